namespace MLAugment.Engine.Tests;
[TestClass]
public sealed class SmokeTests { [TestMethod] public void Builds() => Assert.IsTrue(true); }
