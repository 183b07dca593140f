using MLAugment.Tasks.Recipes;

namespace MLAugment.Tasks.Tests.Recipes;

[TestClass]
public sealed class TrainingLogSummaryTests
{
    [TestMethod]
    public void SumsLoggedTimePerStageWithinSessionsAcrossMidnightAndRestarts()
    {
        string[] log =
        [
            "23:50:00 vae: step 50/100 loss 0.3",
            "23:58:00 vae: step 100/100 loss 0.2",   // vae: 8 min
            "23:59:00 latents: std 1.1 -> scaling_factor 0.9",
            "00:01:00 unet: step 50/300 loss 0.1",   // crosses midnight
            "00:05:00 unet: step 100/300 loss 0.1",  // unet: 4 min
            "killed at Sun Nov 22 00:05:30 UTC 2026",
            "01:59:00 vae: resumed at step 100",
            "02:00:00 latents: std 1.1 -> scaling_factor 0.9",
            "02:00:00 unet: resumed at step 100",    // the same process: no new session
            "02:03:00 unet: step 150/300 loss 0.1",
            "02:09:00 unet: step 200/300 loss 0.1",  // unet: 6 more min (the restart gap and the minutes before the first line are not counted)
            "02:10:00 unet: step 250/300 loss 0.1",
            "02:30:00 vae: resumed at step 100",     // restarted without a "killed" line
            "02:31:00 latents: std 1.1 -> scaling_factor 0.9",
            "02:31:00 unet: resumed at step 250",
            "02:32:00 unet: step 300/300 loss 0.1",
        ];
        var s = TrainingLogSummary.Parse(log, "train.log");
        Assert.AreEqual(3, s.Sessions);
        Assert.AreEqual(16, s.Lines);
        Assert.AreEqual(2, s.Stages.Count);
        var vae = s.Stages[0];
        Assert.AreEqual(("vae", 50, 100, 100, 1, 480.0, "23:50:00", "23:58:00"), (vae.Stage, vae.FirstLoggedStep, vae.LastLoggedStep, vae.MaxSteps, vae.Sessions, vae.LoggedSeconds, vae.FirstTime, vae.LastTime));
        var unet = s.Stages[1];
        Assert.AreEqual(("unet", 50, 300, 300, 3, 660.0), (unet.Stage, unet.FirstLoggedStep, unet.LastLoggedStep, unet.MaxSteps, unet.Sessions, unet.LoggedSeconds));
        // Session 1: 23:50 → 00:05 = 15 min; session 2: 01:59 → 02:10 = 11 min; session 3: 02:30 → 02:32 = 2 min.
        Assert.AreEqual(28 * 60.0, s.LoggedSeconds);
    }

    [TestMethod]
    public void AMissingLogIsNamed()
    {
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => TrainingLogSummary.Read("/nonexistent/train.log"));
        StringAssert.Contains(e.Message, "/nonexistent/train.log");
    }
}
