using MLAugment.Onnx.Runtime;

namespace MLAugment.Onnx.Tests.Runtime;

[TestClass]
public sealed class OnnxRuntimeLibraryTests
{
    [TestMethod]
    public void MissingExplicitPath_SaysWhereItLookedAndHowToGetTheLibrary()
    {
        var e = Assert.Throws<OnnxRuntimeNotFoundException>(() =>
            OnnxRuntimeLibrary.Locate(new OnnxRuntimeLibraryOptions { LibraryPath = "/no/such/dir/libonnxruntime.so.1" }));

        StringAssert.Contains(e.Message, "/no/such/dir/libonnxruntime.so.1");
        StringAssert.Contains(e.Message, "tools/fetch-onnxruntime.sh");
        StringAssert.Contains(e.Message, "MLAUGMENT_ONNXRUNTIME_PATH");
        Assert.HasCount(1, e.SearchedLocations, "an explicit path is the only place looked at");
    }

    [TestMethod]
    public void SearchWithoutLibrary_ListsTheFolderAndEveryToolsFolderAbove()
    {
        string dir = TestModels.TempDirectory();
        try
        {
            string nested = Directory.CreateDirectory(Path.Combine(dir, "app", "bin")).FullName;

            var e = Assert.Throws<OnnxRuntimeNotFoundException>(() =>
                OnnxRuntimeLibrary.Locate(new OnnxRuntimeLibraryOptions { SearchDirectory = nested, UseEnvironmentVariable = false }));

            StringAssert.Contains(e.Message, nested);
            StringAssert.Contains(e.Message, Path.Combine(nested, ".tools", "onnxruntime"));
            StringAssert.Contains(e.Message, Path.Combine(dir, ".tools", "onnxruntime"));
            Assert.IsTrue(e.SearchedLocations.Any(l => l.StartsWith(Path.Combine("/", ".tools", "onnxruntime"), StringComparison.Ordinal)),
                "the walk goes up to the file-system root");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void ToolsFolderAboveTheSearchDirectory_IsFound()
    {
        string dir = TestModels.TempDirectory();
        try
        {
            string tools = Directory.CreateDirectory(Path.Combine(dir, ".tools", "onnxruntime")).FullName;
            string library = Path.Combine(tools, OnnxRuntimeLibrary.LibraryFileNames[0]);
            File.WriteAllBytes(library, []);
            string nested = Directory.CreateDirectory(Path.Combine(dir, "tests", "bin", "Debug")).FullName;

            string found = OnnxRuntimeLibrary.Locate(new OnnxRuntimeLibraryOptions { SearchDirectory = nested, UseEnvironmentVariable = false });

            Assert.AreEqual(library, found);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void FileThatIsNotOnnxRuntime_IsRefusedClearly()
    {
        string dir = TestModels.TempDirectory();
        try
        {
            string fake = Path.Combine(dir, "libonnxruntime.so.1");
            File.WriteAllText(fake, "not a shared object");

            var e = Assert.Throws<OnnxRuntimeNotFoundException>(() => OnnxRuntimeLibrary.Load(new OnnxRuntimeLibraryOptions { LibraryPath = dir }));

            StringAssert.Contains(e.Message, fake);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void DefaultSearch_FindsTheFetchedLibrary()
    {
        var library = OnnxRuntimeLibrary.Default;
        Assert.IsTrue(File.Exists(library.Path), library.Path);
        Assert.AreSame(library, OnnxRuntimeLibrary.Load(new OnnxRuntimeLibraryOptions { LibraryPath = library.Path }), "one load per file");
    }
}
