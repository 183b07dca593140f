using System.CommandLine;
using System.CommandLine.Parsing;

namespace MLAugment.Cli.Infrastructure;

/// <summary>Range checks on option values that report as parse errors (exit 2), declared next to the option.</summary>
internal static class OptionChecks
{
    /// <summary>Adds a validator: the value must satisfy <paramref name="ok"/>, else <paramref name="message"/>.</summary>
    public static Option<T> Require<T>(this Option<T> option, Func<T, bool> ok, string message)
    {
        option.Validators.Add(r =>
        {
            if (TryGet(r, out T? value) && !ok(value!))
                r.AddError(message);
        });
        return option;
    }

    /// <summary>Adds a validator returning an error text (or null) for the value.</summary>
    public static Option<T> Check<T>(this Option<T> option, Func<T, string?> error)
    {
        option.Validators.Add(r =>
        {
            if (TryGet(r, out T? value) && error(value!) is { } message)
                r.AddError(message);
        });
        return option;
    }

    // A token that does not convert ("--steps many") is already a parse error of its own; reading it would throw.
    private static bool TryGet<T>(OptionResult r, out T? value)
    {
        try
        {
            value = r.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default;
            return false;
        }
    }
}
