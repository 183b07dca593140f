using MLAugment.Diffusion.Models;
using MLAugment.Diffusion.Sampling;

namespace MLAugment.Diffusion.Tests.Sampling;

[TestClass]
public sealed class ModelFolderTests
{
    [TestMethod]
    public void SavedModelReloadsAndGeneratesTheSameImages()
    {
        var dir = Directory.CreateTempSubdirectory("ldm-").FullName;
        try
        {
            var model = TinyModels.Create(4);
            model.Save(dir);
            var back = LatentDiffusionModel.Load(dir);
            Assert.AreEqual(model.ModelId, back.ModelId);
            var o = new GenerationOptions { NumInferenceSteps = 3, BatchSize = 4 };
            var a = new DiffusionPipeline(model).Generate(new[] { "Sneaker" }, new long[] { 9 }, o);
            var b = new DiffusionPipeline(back).Generate(new[] { "trainers" }, new long[] { 9 }, o);
            CollectionAssert.AreEqual(a.ToArray(), b.ToArray());
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void MissingOrCorruptFilesAreNamed()
    {
        var dir = Directory.CreateTempSubdirectory("ldm-").FullName;
        try
        {
            TinyModels.Create().Save(dir);
            File.WriteAllBytes(Path.Combine(dir, "vae", LatentDiffusionModel.WeightsFile), new byte[] { 1, 2, 3 });
            var corrupt = Assert.ThrowsExactly<Engine.IO.SafeTensorsFormatException>(() => LatentDiffusionModel.Load(dir));
            StringAssert.Contains(corrupt.Message, "vae");
            File.Delete(Path.Combine(dir, "unet", "config.json"));
            var missing = Assert.ThrowsExactly<FileNotFoundException>(() => LatentDiffusionModel.Load(dir));
            StringAssert.Contains(missing.Message, "config.json");
        }
        finally { Directory.Delete(dir, true); }
    }
}
