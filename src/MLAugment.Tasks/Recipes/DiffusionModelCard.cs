using System.Globalization;
using System.Text;

namespace MLAugment.Tasks.Recipes;

/// <summary>
/// The model card (<c>README.md</c> of a model folder) rendered from <see cref="DiffusionQualityMetrics"/> alone, so it can be
/// regenerated from <c>metrics.json</c> at any time. Every number on the card comes from the metrics object; a section
/// without a figure says why (not run, or how many samples exist so far), and sample counts below the issue's are named.
/// </summary>
public static class DiffusionModelCard
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static string Render(DiffusionQualityMetrics m, string title = "fashion-ldm — class-conditional latent diffusion for Fashion-MNIST")
    {
        ArgumentNullException.ThrowIfNull(m);
        var sb = new StringBuilder();
        sb.AppendLine($"# {title}").AppendLine();
        var shortfalls = Shortfalls(m);
        if (!m.Complete)
            sb.AppendLine("> **Incomplete evaluation:** some sections have not generated all their samples yet; they show no figure. Rerun the command below to continue.").AppendLine();
        if (shortfalls.Count > 0)
        {
            sb.AppendLine("> **Fewer samples than issue 3 asks for:**");
            foreach (var s in shortfalls) sb.AppendLine($"> - {s}");
            sb.AppendLine();
        }

        // ---- model ----
        sb.AppendLine("## Model").AppendLine();
        if (m.Model is { } model)
        {
            if (model.Description.Length > 0) sb.AppendLine($"- {model.Description}");
            sb.AppendLine(F($"- Images {model.Channels}×{model.Height}×{model.Width} in [−1, 1]; {model.ClassNames.Count} classes as conditions: {string.Join(", ", model.ClassNames)}."));
            sb.AppendLine($"- Model folder `{model.Folder}`, id (SHA-256 of configs and weights) `{model.ModelId}`.");
            if (model.TrainingData.Length > 0) sb.AppendLine($"- Training data: {model.TrainingData}");
        }
        if (m.Training is { } t)
        {
            sb.AppendLine(F($"- Training wall time, from the time stamps of `{t.Path}` ({t.Lines} lines, {t.Sessions} session(s)): {Duration(t.LoggedSeconds)} logged in total."));
            foreach (var s in t.Stages)
                sb.AppendLine(F($"  - {s.Stage}: steps {s.FirstLoggedStep}–{s.LastLoggedStep} of {s.MaxSteps} logged ({s.FirstTime}–{s.LastTime}), {Duration(s.LoggedSeconds)} between its first and last progress line over {s.Sessions} session(s)."));
            sb.AppendLine("  - Logged time runs from each session's first to its last time stamp: the minutes before the first progress line of a session are not in it.");
        }
        else sb.AppendLine("- Training wall time: no training log was found next to the model, so none is stated.");
        sb.AppendLine();

        // ---- method ----
        sb.AppendLine("## How these figures were measured").AppendLine();
        if (m.Command.Length > 0) sb.AppendLine($"- Command: `{m.Command}`");
        if (m.Environment is { } env)
            sb.AppendLine(F($"- Machine: {env.ProcessorCount} logical CPUs ({env.Architecture}, {env.OperatingSystem}, {env.Runtime}; engine parallelism {env.MaxDegreeOfParallelism}); measured {m.CreatedUtc:yyyy-MM-dd HH:mm} UTC; this run took {Duration(m.WallSeconds)} (generation reused from earlier runs is counted in each section's own time)."));
        if (m.Environment is { LoadAverageAtStart: double la0 } e2)
        {
            double peak = Math.Max(la0, e2.LoadAverageAtEnd ?? la0);
            string verdict = peak > e2.ProcessorCount
                ? "above the CPU count, so other work shared the machine and this run's times are inflated"
                : "not above the CPU count";
            sb.AppendLine(F($"- 1-minute load average at the start of this run {la0:F2}{(e2.LoadAverageAtEnd is double la1 ? F($", at its end {la1:F2}") : "")} on {e2.ProcessorCount} CPUs: {verdict}. Generation times come from the chunks, which may have been made by earlier runs."));
        }
        if (m.Judge is { } j)
        {
            sb.AppendLine(F($"- Judge: {(j.Description.Length > 0 ? j.Description : "an image classifier")} (`{j.Folder}`), trained on {(j.TrainingData.Length > 0 ? j.TrainingData : "real training images")}; accuracy on the {j.TestImages:N0} real test images: **{Pct(j.TestAccuracy)}**. Fréchet distances use its {j.FeatureDimension}-dimensional penultimate-layer features."));
        }
        var st = m.Settings;
        sb.AppendLine(F($"- Reference set of every Fréchet distance: {st.ReferenceData} ({st.ReferenceImages:N0} images). Floor: {st.FloorData}."));
        sb.AppendLine(F($"- img2img and inversion sources: {st.SourceData}."));
        sb.AppendLine(F($"- Sampling: classifier-free guidance {st.GuidanceScale} unless stated; {st.SeedRule}; images stored in chunks of {st.ChunkSize}."));
        sb.AppendLine();

        // ---- class fidelity ----
        sb.AppendLine("## Class fidelity").AppendLine();
        if (m.ClassFidelity is not { } cf) sb.AppendLine("Not measured in this run.").AppendLine();
        else
        {
            sb.AppendLine(F($"{cf.Run.RequestedSamples:N0} class-conditional samples ({cf.Run.RequestedSamples / Math.Max(1, cf.PerClass.Count > 0 ? cf.PerClass.Count : m.Model?.ClassNames.Count ?? 1):N0} per class), {Sampler(cf.Sampler)} {cf.Steps} steps, guidance {cf.GuidanceScale}; {cf.Note}."));
            sb.AppendLine();
            if (cf.Accuracy is double acc)
            {
                sb.AppendLine(F($"**{Pct(acc)}** of {cf.Samples:N0} samples are judged as the class they were generated for (issue target ≥ {Pct(cf.Threshold, 0)}: {Verdict(acc >= cf.Threshold)})."));
                sb.AppendLine().AppendLine("| class | samples | judged as intended | judge on real test images |").AppendLine("|---|---:|---:|---:|");
                foreach (var r in cf.PerClass)
                    sb.AppendLine(F($"| {r.Class} | {r.Samples:N0} | {Pct(r.Accuracy)} | {Pct(r.JudgeTestAccuracy)} |"));
            }
            else sb.AppendLine(Pending(cf.Run));
            sb.AppendLine();
        }

        // ---- Fréchet distance ----
        sb.AppendLine("## Fréchet distance to the test set (judge features)").AppendLine();
        if (m.FrechetDistances.Count == 0) sb.AppendLine("Not measured in this run.").AppendLine();
        else
        {
            sb.AppendLine("Lower is better; the floor is real training images vs the test set at the same sample count, the value a perfect generator would reach.").AppendLine();
            sb.AppendLine("| sampler | steps | guidance | samples | Fréchet distance | floor (same n) | generation s/image |").AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var f in m.FrechetDistances)
                sb.AppendLine(F($"| {f.SamplerLabel} | {f.Steps} | {f.GuidanceScale} | {SamplesCell(f.Run, f.Samples)} | {(f.Value is double v ? v.ToString("F3", Ci) : "—")} | {(f.FloorAtSameSamples is double fl ? fl.ToString("F3", Ci) : "—")} | {Secs(f.Run.SecondsPerImage)} |"));
            sb.AppendLine();
            foreach (var f in m.FrechetDistances.Where(f => f.Note.Length > 0))
                sb.AppendLine(F($"- {f.SamplerLabel} {f.Steps} steps: {f.Note}."));
            foreach (var fl in m.FrechetFloors)
                sb.AppendLine(F($"- Floor, {fl.Samples:N0} real training images vs {fl.ReferenceSamples:N0} test images: {fl.Value:F3}."));
            sb.AppendLine();
        }

        // ---- img2img ----
        sb.AppendLine("## img2img at strength 0.5").AppendLine();
        if (m.Img2Img is not { } ii) sb.AppendLine("Not measured in this run.").AppendLine();
        else
        {
            sb.AppendLine(F($"{ii.Run.RequestedSamples:N0} source images, each re-generated at strength {ii.Strength} ({Sampler(ii.Sampler)} {ii.Steps} steps of which the last {ii.Strength * ii.Steps:0} run, guidance {ii.GuidanceScale}) with its own label as the condition."));
            sb.AppendLine();
            if (ii.KeepsLabel is double keeps)
            {
                sb.AppendLine(F($"- Judged as the source's label: **{Pct(keeps)}** (issue target ≥ {Pct(ii.Threshold, 0)}: {Verdict(keeps >= ii.Threshold)}); the judge gets {Pct(ii.JudgeAccuracyOnSources)} of the sources themselves right."));
                sb.AppendLine(F($"- Judged as the judge's own class for the source: {Pct(ii.AgreesWithJudgeOnSource)}."));
                sb.AppendLine(F($"- Mean SSIM to the source: **{ii.MeanSsimToSource:F3}** (Gaussian 11×11 window, data range 2)."));
                sb.AppendLine(F($"- Samples: {ii.Samples:N0}; generation {Secs(ii.Run.SecondsPerImage)} s/image."));
            }
            else sb.AppendLine(Pending(ii.Run));
            sb.AppendLine();
        }

        // ---- inversion ----
        sb.AppendLine("## DDIM inversion").AppendLine();
        if (m.Inversion is not { } inv) sb.AppendLine("Not measured in this run.").AppendLine();
        else
        {
            string fit = inv.LatentRefinementSteps > 0
                ? F($"their latents first fitted through the decoder ({inv.LatentRefinementSteps} Adam steps on ‖D(z) − x‖² from the encoder's latents, `DiffusionPipeline.EncodeRefined`), then ")
                : "their encoder latents ";
            sb.AppendLine(F($"{inv.Run.RequestedSamples:N0} training images, {fit}inverted to noise with {inv.Steps} DDIM-inverse steps under their label (no guidance), then regenerated with {inv.Steps} DDIM steps; PSNR is the {inv.Psnr}."));
            sb.AppendLine();
            if (inv.PsnrVsOriginalDb is double o)
            {
                sb.AppendLine(F($"- Reconstruction vs the source image: **{Db(o)}** (issue target ≥ {inv.ThresholdDb:0} dB: {Verdict(o >= inv.ThresholdDb)})."));
                sb.AppendLine(F($"- Reconstruction vs the decoding of the inverted latents (what DDIM inversion alone loses): {Db(inv.PsnrVsAutoencoderRoundTripDb)}; those latents decoded vs the source: {Db(inv.AutoencoderRoundTripPsnrDb)} (the ceiling of the first figure)."));
                if (inv.LatentRefinementSteps > 0)
                    sb.AppendLine(F($"- Without fitting (the encoder's latents inverted): {Db(inv.EncoderLatentsPsnrVsOriginalDb)} vs the source; the encoder–decoder round trip alone gives {Db(inv.EncoderRoundTripPsnrDb)}, so the encoder, not the inversion, is what keeps that figure under {inv.ThresholdDb:0} dB."));
                sb.AppendLine(F($"- Samples: {inv.Samples:N0}; {Secs(inv.Run.SecondsPerImage)} s/image (fitting, inversion and reconstruction)."));
            }
            else sb.AppendLine(Pending(inv.Run));
            sb.AppendLine();
        }

        // ---- timing ----
        sb.AppendLine("## Wall time per section").AppendLine();
        sb.AppendLine("Generation time is the sum of the time stored with each chunk (chunks may come from earlier runs); s/image is the median chunk's time per image (a chunk made while the machine was shared or the process paused does not move it); the last column is what this run spent on the section, scoring included.").AppendLine();
        sb.AppendLine("| section | samples on disk / asked | generation | s/image | this run |").AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (name, run) in Sections(m))
            sb.AppendLine(F($"| {name} | {run.AvailableSamples:N0} / {run.RequestedSamples:N0} | {(run.Complete ? Duration(run.GenerationSeconds) : "—")} | {Secs(run.SecondsPerImage)} | {Duration(run.WallSeconds)} |"));
        sb.AppendLine();
        sb.AppendLine("The same folder's `metrics.json` holds every figure above with the sample count behind it; `mlaugment evaluate-diffusion --card-only` re-renders this card from it.");
        return sb.ToString();
    }

    /// <summary>Every section whose figure rests on fewer samples than issue 3 asks for (or has none yet).</summary>
    public static List<string> Shortfalls(DiffusionQualityMetrics m)
    {
        var list = new List<string>();
        void Check(string name, SampleRun run, int used)
        {
            if (run.IssueSamples <= 0) return;
            if (!run.Complete) list.Add(F($"{name}: {run.AvailableSamples:N0} of {run.RequestedSamples:N0} requested samples generated so far, no figure yet (issue: {run.IssueSamples:N0})."));
            else if (used < run.IssueSamples) list.Add(F($"{name}: {used:N0} samples (issue: {run.IssueSamples:N0})."));
        }
        if (m.ClassFidelity is { } cf) Check("class fidelity", cf.Run, cf.Samples);
        else list.Add("class fidelity: not measured.");
        foreach (var f in m.FrechetDistances) Check(F($"Fréchet distance, {f.SamplerLabel} {f.Steps} steps"), f.Run, f.Samples);
        foreach (var (label, steps) in new[] { ("DPM-Solver++ (2M)", 10), ("DPM-Solver++ (2M)", 20), ("DDIM (η = 0)", 50), ("DDPM (ancestral)", 1000) })
            if (!m.FrechetDistances.Any(f => f.SamplerLabel == label && f.Steps == steps)) list.Add(F($"Fréchet distance, {label} {steps} steps: not measured."));
        if (m.Img2Img is null) list.Add("img2img at strength 0.5: not measured.");
        else if (!m.Img2Img.Run.Complete) list.Add(F($"img2img at strength 0.5: {m.Img2Img.Run.AvailableSamples:N0} of {m.Img2Img.Run.RequestedSamples:N0} samples so far, no figure yet."));
        if (m.Inversion is null) list.Add("DDIM inversion: not measured.");
        else if (!m.Inversion.Run.Complete) list.Add(F($"DDIM inversion: {m.Inversion.Run.AvailableSamples:N0} of {m.Inversion.Run.RequestedSamples:N0} samples so far, no figure yet."));
        return list;
    }

    private static IEnumerable<(string Name, SampleRun Run)> Sections(DiffusionQualityMetrics m)
    {
        if (m.ClassFidelity is { } cf) yield return (F($"class fidelity ({Sampler(cf.Sampler)} {cf.Steps})"), cf.Run);
        if (m.Img2Img is { } ii) yield return ("img2img 0.5", ii.Run);
        if (m.Inversion is { } inv) yield return (F($"DDIM inversion {inv.Steps}"), inv.Run);
        foreach (var f in m.FrechetDistances) yield return (F($"FD {f.SamplerLabel} {f.Steps}"), f.Run);
    }

    private static string Pending(SampleRun run) =>
        F($"No figure yet: {run.AvailableSamples:N0} of {run.RequestedSamples:N0} samples generated so far (rerun the command to continue).");

    private static string SamplesCell(SampleRun run, int used) => run.Complete
        ? F($"{used:N0}{(run.IssueSamples > used ? F($" (issue: {run.IssueSamples:N0})") : "")}")
        : F($"{run.AvailableSamples:N0} of {run.RequestedSamples:N0} so far");

    private static string Sampler(string className) => className switch
    {
        DiffusionQualityReport.DpmSolver => "DPM-Solver++ (2M)",
        DiffusionQualityReport.Ddim => "DDIM",
        DiffusionQualityReport.Ddpm => "DDPM",
        _ => className,
    };

    private static string Verdict(bool met) => met ? "met" : "**not met**";
    private static string Pct(double? v, int decimals = 1) => v is double d ? (d * 100).ToString("F" + decimals, Ci) + "%" : "—";
    private static string Db(double? v) => v is double d ? (double.IsPositiveInfinity(d) ? "∞ dB" : d.ToString("F2", Ci) + " dB") : "—";
    private static string Secs(double? v) => v is double d ? d.ToString(d < 10 ? "F3" : "F1", Ci) : "—";

    private static string Duration(double seconds)
    {
        if (seconds < 60) return seconds.ToString("F1", Ci) + " s";
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalHours >= 1 ? F($"{(int)t.TotalHours} h {t.Minutes:00} min") : F($"{t.Minutes} min {t.Seconds:00} s");
    }

    private static string F(FormattableString s) => s.ToString(Ci);
}
