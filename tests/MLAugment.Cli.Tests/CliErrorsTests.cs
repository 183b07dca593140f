using MLAugment.Cli.Infrastructure;
using MLAugment.Diffusion.Sampling;

namespace MLAugment.Cli.Tests;

[TestClass]
public sealed class CliErrorsTests
{
    private static (int Code, string Text) Report(Exception e, bool verbose = false)
    {
        var error = new StringWriter();
        int code = CliErrors.Report(e, error, verbose);
        return (code, error.ToString());
    }

    [TestMethod]
    public void UserErrorsPrintTheirMessageOnOneLineAndExit1()
    {
        var (code, text) = Report(new ArgumentOutOfRangeException("Strength", 1.5f, "strength must be in [0, 1]."));
        Assert.AreEqual(1, code);
        Assert.AreEqual("error: strength must be in [0, 1]. (Parameter 'Strength') Actual value was 1.5." + Environment.NewLine, text);
        Assert.AreEqual(1, Report(new UnknownConditionException("Pizza", ["Trouser"])).Code);
        Assert.AreEqual(1, Report(new FileNotFoundException("gone")).Code);
        Assert.AreEqual("error: not a valid zip archive", Report(new InvalidDataException("not a valid zip archive")).Text.Trim());
    }

    [TestMethod]
    public void UsageErrorsExit2()
    {
        Assert.AreEqual(2, Report(new CliUsageException("give --ratio or --counts, not both.")).Code);
    }

    [TestMethod]
    public void WrappedErrorsAreReportedByTheirCause()
    {
        var (code, text) = Report(new AggregateException(new DirectoryNotFoundException("Image folder 'x' does not exist.")));
        Assert.AreEqual(1, code);
        Assert.AreEqual("error: Image folder 'x' does not exist.", text.Trim());
    }

    [TestMethod]
    public void UnexpectedErrorsAreNamedAsInternalWithoutAStackTraceUnlessVerbose()
    {
        Exception thrown;
        try { throw new NullReferenceException("boom"); }
        catch (Exception e) { thrown = e; }

        var (code, text) = Report(thrown);
        Assert.AreEqual(1, code);
        Assert.AreEqual("internal error (NullReferenceException): boom (rerun with --verbose for the stack trace)", text.Trim());
        StringAssert.Contains(Report(thrown, verbose: true).Text, "   at ");
    }

    [TestMethod]
    public void CancellationExits130()
    {
        Assert.AreEqual(130, Report(new OperationCanceledException()).Code);
    }
}
