using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>
    /// PyTorch files as torch.save writes them (tests/Fixtures/*.pt, made by Debian's torch in
    /// tests/fixtures-src/make_fixtures.py) read without Python, against what torch itself made of
    /// the same tensors (pt-expected.safetensors).
    /// </summary>
    public sealed class PyTorchStateDictTests : IDisposable
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "rnngen-pt-" + Guid.NewGuid().ToString("N"));

        public PyTorchStateDictTests() => Directory.CreateDirectory(_directory);

        public void Dispose() => Directory.Delete(_directory, recursive: true);

        private static string FixturePath(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);

        private static readonly Lazy<IReadOnlyDictionary<string, TensorData>> s_expected = new(() => SafeTensors.ReadAll(FixturePath("pt-expected.safetensors")));

        /// <summary>The module's float32 parameters, as its safetensors twin holds them.</summary>
        private static readonly Lazy<IReadOnlyDictionary<string, TensorData>> s_module = new(() => SafeTensors.ReadAll(FixturePath("Mixed.state_dict.safetensors")));

        /// <summary>Parameters of the module's names and shapes, filled with values none of the files holds.</summary>
        private static TestParameters ModuleParameters(Func<string, int[], int[]>? reshape = null)
        {
            var parameters = new TestParameters(s_module.Value.Select(p => (p.Key, reshape?.Invoke(p.Key, p.Value.Shape.ToArray()) ?? p.Value.Shape.ToArray())).ToArray());
            parameters.FillRandom(77);
            return parameters;
        }

        [Fact]
        public void TheModulesStateDict_LoadsAsItsSafetensorsTwin()
        {
            using var parameters = ModuleParameters();
            SafeTensors.Load(FixturePath("Mixed.state_dict.pt"), parameters.List);
            foreach (Parameter p in parameters.List)
            {
                Assert.Equal(s_module.Value[p.Name].ToSingleArray(), p.Value.ToArray());
            }
        }

        [Theory]
        [InlineData("f16", "F16")]
        [InlineData("bf16", "BF16")]
        [InlineData("f64", "F64")]
        public void OtherFloatTypes_LoadAsTorchConvertsThemToFloat32(string suffix, string dtype)
        {
            string path = FixturePath($"Mixed.state_dict.{suffix}.pt");
            Assert.All(PyTorchStateDict.ReadAll(path).Values, t => Assert.Equal(dtype, t.DType));
            using var parameters = ModuleParameters();
            SafeTensors.Load(path, parameters.List);
            foreach (Parameter p in parameters.List)
            {
                Assert.Equal(s_expected.Value[$"{suffix}.{p.Name}"].ToSingleArray(), p.Value.ToArray());
            }
        }

        [Fact]
        public void Views_AreReadInRowMajorOrder_WhateverTheirOffsetsAndStrides()
        {
            IReadOnlyDictionary<string, TensorData> views = PyTorchStateDict.ReadAll(FixturePath("views.pt"));
            string[] names = ["transposed", "sliced", "shared_a", "shared_b", "expanded", "scalar", "empty", "half_t", "param"];
            Assert.Equal(names.OrderBy(n => n, StringComparer.Ordinal), views.Keys.OrderBy(n => n, StringComparer.Ordinal));
            foreach (string name in names)
            {
                TensorData expected = s_expected.Value["view." + name];
                Assert.Equal(expected.Shape, views[name].Shape);
                Assert.Equal(expected.ToSingleArray(), views[name].ToSingleArray());
            }

            Assert.Equal("F16", views["half_t"].DType);
            Assert.Empty(views["scalar"].Shape);
            Assert.Equal(0, views["empty"].Length);
        }

        public static IEnumerable<object[]> RefusedFiles() =>
        [
            ["model.pt", "__main__.Stack"],
            ["checkpoint.pt", "entry 'model' is a dict"],
            ["int64.pt", "torch.LongStorage"],
            ["legacy.pt", "before version 1.6"],
            ["Lstm1.safetensors", null!],
        ];

        [Theory]
        [MemberData(nameof(RefusedFiles))]
        public void FilesThatAreNotAStateDictOfFloats_AreRefusedByName_AndChangeNothing(string file, string? messagePart)
        {
            using var parameters = ModuleParameters();
            float[] before = parameters.SnapshotValues();
            var error = Assert.Throws<WeightFileException>(() => SafeTensors.Load(FixturePath(file), parameters.List));
            Assert.Contains(FixturePath(file), error.Message, StringComparison.Ordinal);
            if (messagePart is not null)
            {
                Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
            }

            Assert.Equal(before, parameters.SnapshotValues());
        }

        [Fact]
        public void AStateDictOfOtherNamesOrShapes_IsRefusedLikeLoadStateDict_AndChangesNothing()
        {
            string path = FixturePath("Mixed.state_dict.pt");
            string first = s_module.Value.Keys.First();
            using (var wrongShape = ModuleParameters((name, shape) => name == "head.bias" ? [shape[0] + 1] : shape))
            {
                float[] before = wrongShape.SnapshotValues();
                var error = Assert.Throws<WeightFileException>(() => SafeTensors.Load(path, wrongShape.List));
                Assert.Equal("head.bias", error.TensorName);
                Assert.Contains("has shape [9] in the file but the model expects [10]", error.Message, StringComparison.Ordinal);
                Assert.Equal(before, wrongShape.SnapshotValues());
            }

            using var fewer = new TestParameters(s_module.Value.Skip(1).Select(p => (p.Key, p.Value.Shape.ToArray())).ToArray());
            var extra = Assert.Throws<WeightFileException>(() => SafeTensors.Load(path, fewer.List));
            Assert.Contains($"unexpected tensors the model does not have '{first}'", extra.Message, StringComparison.Ordinal);

            using var more = new TestParameters(s_module.Value.Select(p => (p.Key, p.Value.Shape.ToArray())).Append(("extra.weight", new[] { 2 })).ToArray());
            var missing = Assert.Throws<WeightFileException>(() => SafeTensors.Load(path, more.List));
            Assert.Equal("extra.weight", missing.TensorName);
        }

        /// <summary>A pickle, opcode by opcode.</summary>
        private sealed class Pickle
        {
            private readonly List<byte> _bytes = [0x80, 2];

            public Pickle Op(params byte[] bytes)
            {
                _bytes.AddRange(bytes);
                return this;
            }

            public Pickle Op(char op) => Op((byte)op);

            public Pickle Global(string module, string name) => Op('c').Op(System.Text.Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));

            public Pickle Str(string value)
            {
                byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(value);
                return Op('X').Op(BitConverter.GetBytes(utf8.Length)).Op(utf8);
            }

            public Pickle Int(byte value) => Op('K').Op(value);

            /// <summary>OrderedDict(): GLOBAL, EMPTY_TUPLE, REDUCE.</summary>
            public Pickle OrderedDict() => Global("collections", "OrderedDict").Op(')').Op('R');

            /// <summary>A float tensor of <paramref name="size"/> elements (stride 1) viewing storage <paramref name="key"/> of <paramref name="elements"/> at <paramref name="offset"/>.</summary>
            public Pickle Tensor(string key, byte elements, byte offset, byte size, string storage = "FloatStorage") =>
                Global("torch._utils", "_rebuild_tensor_v2").Op('(')
                    .Op('(').Str("storage").Global("torch", storage).Str(key).Str("cpu").Int(elements).Op('t').Op('Q')
                    .Int(offset).Int(size).Op(0x85).Int(1).Op(0x85).Op(0x89).OrderedDict().Op('t').Op('R');

            public byte[] Stop() => [.. _bytes, (byte)'.'];

            public byte[] WithoutStop() => [.. _bytes];
        }

        /// <summary>The state_dict {"w": a tensor of 2 floats}, as torch.save pickles it.</summary>
        private static Pickle ValidPickle() => new Pickle().OrderedDict().Str("w").Tensor("0", 2, 0, 2).Op('s');

        /// <summary>An archive as torch.save lays it out: archive/data.pkl and archive/data/{key} for each storage.</summary>
        private string Archive(byte[] pickle, params (string Key, byte[] Bytes)[] storages)
        {
            string path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".pt");
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            {
                using (var stream = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open())
                {
                    stream.Write(pickle);
                }

                foreach (var (key, bytes) in storages)
                {
                    using var stream = zip.CreateEntry("archive/data/" + key, CompressionLevel.NoCompression).Open();
                    stream.Write(bytes);
                }
            }

            return path;
        }

        private static readonly byte[] s_twoFloats = [.. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f)];

        /// <summary>Loads <paramref name="path"/> into a parameter "w" of 2 elements: must be refused with <paramref name="messagePart"/>, leaving it unchanged.</summary>
        private static void AssertRefused(string path, string messagePart)
        {
            using var parameters = new TestParameters(("w", new[] { 2 }));
            parameters.FillRandom(5);
            float[] before = parameters.SnapshotValues();
            var error = Assert.Throws<WeightFileException>(() => SafeTensors.Load(path, parameters.List));
            Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
            Assert.Equal(before, parameters.SnapshotValues());
        }

        [Fact]
        public void AHandMadePickle_AsTorchSaveWritesIt_Loads()
        {
            string path = Archive(ValidPickle().Stop(), ("0", s_twoFloats));
            using var parameters = new TestParameters(("w", new[] { 2 }));
            SafeTensors.Load(path, parameters.List);
            Assert.Equal(new[] { 1.5f, -2f }, parameters.SnapshotValues());
        }

        /// <summary>Every opcode the reader does not implement, where a state_dict's pickle would have its next one.</summary>
        [Fact]
        public void EveryOtherOpcode_IsRefusedByName()
        {
            byte[] known = [0x80, 0x95, (byte)'.', (byte)'(', (byte)'0', (byte)'1', (byte)'2', (byte)'N', 0x88, 0x89, (byte)'K', (byte)'M', (byte)'J', 0x8a, (byte)'G',
                (byte)'X', 0x8c, 0x8d, (byte)'U', (byte)'T', (byte)')', 0x85, 0x86, 0x87, (byte)'t', (byte)']', (byte)'}', (byte)'a', (byte)'e', (byte)'s', (byte)'u',
                (byte)'q', (byte)'r', 0x94, (byte)'h', (byte)'j', (byte)'c', 0x93, (byte)'Q', (byte)'R', (byte)'b'];
            int tried = 0;
            for (int op = 0; op < 256; op++)
            {
                if (Array.IndexOf(known, (byte)op) >= 0)
                {
                    continue;
                }

                tried++;
                AssertRefused(Archive(new Pickle().OrderedDict().Op((byte)op).Stop(), ("0", s_twoFloats)), $"opcode 0x{op:x2}");
            }

            Assert.Equal(256 - known.Length, tried);
        }

        public static IEnumerable<object[]> RejectedGlobals() =>
        [
            ["builtins", "eval", "builtins.eval"],
            ["os", "system", "os.system"],
            ["posix", "system", "posix.system"],
            ["subprocess", "Popen", "subprocess.Popen"],
            ["__builtin__", "set", "__builtin__.set"],
            ["collections", "defaultdict", "collections.defaultdict"],
            ["torch._utils", "_rebuild_qtensor", "torch._utils._rebuild_qtensor"],
            ["torch._utils", "_rebuild_sparse_tensor", "torch._utils._rebuild_sparse_tensor"],
            ["torch", "Size", "torch.Size"],
            ["torch", "LongStorage", "torch.LongStorage"],
            ["torch", "ByteStorage", "torch.ByteStorage"],
            ["numpy.core.multiarray", "_reconstruct", "numpy.core.multiarray._reconstruct"],
            ["__main__", "Net", "__main__.Net"],
        ];

        [Theory]
        [MemberData(nameof(RejectedGlobals))]
        public void EveryOtherGlobal_IsRefusedByName_BeforeAnythingIsCalled(string module, string name, string shown)
        {
            AssertRefused(Archive(new Pickle().Global(module, name).Op(')').Op('R').Stop(), ("0", s_twoFloats)), shown);
        }

        public static IEnumerable<object[]> MalformedStateDicts()
        {
            static object[] Case(string what, Pickle pickle, string messagePart, bool stop = true) => [what, stop ? pickle.Stop() : pickle.WithoutStop(), messagePart];
            yield return Case("a list, not a dict", new Pickle().Op(']'), "holds a list, not a state_dict");
            yield return Case("an integer key", new Pickle().OrderedDict().Int(3).Tensor("0", 2, 0, 2).Op('s'), "with the key an integer");
            yield return Case("a value that is not a tensor", new Pickle().OrderedDict().Str("w").Int(3).Op('s'), "entry 'w' is an integer, not a tensor");
            yield return Case("a dict around the state_dict", new Pickle().Op('}').Str("model").Op('}').Op('s'), "entry 'model' is a dict");
            yield return Case("the same name twice", ValidPickle().Str("w").Tensor("0", 2, 0, 2).Op('s'), "names the tensor 'w' twice");
            yield return Case("no STOP", new Pickle().OrderedDict(), "ends before STOP", stop: false);
            yield return Case("two values at STOP", ValidPickle().Op('N'), "2 values on the stack");
            yield return Case("a value from an empty stack", new Pickle().Op('0'), "empty stack");
            yield return Case("a memo read before it is written", new Pickle().Op('h').Op(7), "memo entry 7");
            yield return Case("SETITEMS with an odd count", new Pickle().OrderedDict().Op('(').Str("w").Op('u'), "odd number");
            yield return Case("BUILD of a tensor", new Pickle().Tensor("0", 2, 0, 2).Op('}').Op('b'), "BUILD");
            yield return Case("a persistent id that is not a storage", new Pickle().OrderedDict().Str("w").Str("x").Op('Q').Op('s'), "not a storage");
            yield return Case("a storage missing from the archive", new Pickle().OrderedDict().Str("w").Tensor("7", 2, 0, 2).Op('s'), "storage '7' of tensor 'w' is not in the archive");
            yield return Case("a view past the storage", new Pickle().OrderedDict().Str("w").Tensor("0", 2, 1, 2).Op('s'), "reaches past its storage");
            yield return Case("a storage of other length", new Pickle().OrderedDict().Str("w").Tensor("0", 3, 0, 2).Op('s'), "holds 8 bytes, but the pickle says 3 elements");
            yield return Case("an integer storage", new Pickle().OrderedDict().Str("w").Tensor("0", 2, 0, 2, "IntStorage").Op('s'), "torch.IntStorage");
            yield return Case("a string that is not UTF-8", new Pickle().Op('X').Op(2, 0, 0, 0, 0xff, 0xfe), "not valid UTF-8");
            yield return Case("a string past the end", new Pickle().Op('X').Op(0xff, 0xff, 0, 0), "longer than the rest");
            yield return Case("a protocol above 5", new Pickle().Op(0x80, 9), "protocol above 5");
            yield return Case("a tensor whose storage is another type's", new Pickle().OrderedDict().Str("w").Tensor("0", 2, 0, 2).Op('s').Str("v").Tensor("0", 4, 0, 4, "HalfStorage").Op('s'), "read as both");
        }

        [Theory]
        [MemberData(nameof(MalformedStateDicts))]
        public void MalformedStateDicts_AreRefusedSayingWhat_AndChangeNothing(string what, byte[] pickle, string messagePart)
        {
            _ = what;
            AssertRefused(Archive(pickle, ("0", s_twoFloats)), messagePart);
        }

        [Fact]
        public void MalformedArchives_AreRefusedSayingWhat()
        {
            AssertRefused(Archive(ValidPickle().Stop()), "storage '0' of tensor 'w' is not in the archive");

            string twoPickles = Path.Combine(_directory, "two.pt");
            using (var zip = ZipFile.Open(twoPickles, ZipArchiveMode.Create))
            {
                foreach (string entry in new[] { "a/data.pkl", "b/data.pkl" })
                {
                    using var stream = zip.CreateEntry(entry).Open();
                    stream.Write(ValidPickle().Stop());
                }
            }

            AssertRefused(twoPickles, "more than one data.pkl");

            string noPickle = Path.Combine(_directory, "none.pt");
            using (var zip = ZipFile.Open(noPickle, ZipArchiveMode.Create))
            {
                using var stream = zip.CreateEntry("archive/constants.pkl").Open();
                stream.Write(ValidPickle().Stop());
            }

            AssertRefused(noPickle, "without the data.pkl");

            string bigEndian = Path.Combine(_directory, "big.pt");
            File.Copy(Archive(ValidPickle().Stop(), ("0", s_twoFloats)), bigEndian);
            using (var zip = ZipFile.Open(bigEndian, ZipArchiveMode.Update))
            {
                using var stream = zip.CreateEntry("archive/byteorder").Open();
                stream.Write("big"u8);
            }

            AssertRefused(bigEndian, "big-endian");

            string cut = Path.Combine(_directory, "cut.pt");
            byte[] whole = File.ReadAllBytes(FixturePath("Mixed.state_dict.pt"));
            File.WriteAllBytes(cut, whole.AsSpan(0, whole.Length / 2).ToArray());
            AssertRefused(cut, "not a readable zip archive");

            File.WriteAllBytes(cut, "PK\u0003\u0004"u8.ToArray());
            AssertRefused(cut, "not a readable zip archive");
        }

        /// <summary>
        /// Seeded mutations of the fixtures: bytes flipped anywhere, the file cut short, and data.pkl
        /// itself mutated inside a well-formed archive (so the pickle reader, not the zip checksum,
        /// meets it). Each file is either read or refused with a WeightFileException, never another
        /// exception, and a refused load changes nothing. RNNGEN_FUZZ_CASES and RNNGEN_FUZZ_SEED run more.
        /// </summary>
        [Fact]
        public void MutatedFiles_AreReadOrRefused_NeverAnotherFailure()
        {
            int cases = int.TryParse(Environment.GetEnvironmentVariable("RNNGEN_FUZZ_CASES"), out int n) ? n : 600;
            int seed = int.TryParse(Environment.GetEnvironmentVariable("RNNGEN_FUZZ_SEED"), out int s) ? s : 20261203;
            var random = new Random(seed);
            string[] sources = ["Mixed.state_dict.pt", "Mixed.state_dict.bf16.pt", "views.pt", "Mixed.state_dict.safetensors"];
            byte[][] originals = sources.Select(f => File.ReadAllBytes(FixturePath(f))).ToArray();
            using var parameters = ModuleParameters();
            var failures = new List<string>();
            int refused = 0;
            string path = Path.Combine(_directory, "mutated.pt");
            for (int c = 0; c < cases; c++)
            {
                int source = random.Next(sources.Length);
                int kind = random.Next(3);
                byte[] bytes = kind switch
                {
                    0 => FlipBytes(originals[source], random),
                    1 => originals[source].AsSpan(0, random.Next(originals[source].Length)).ToArray(),
                    _ => sources[source].EndsWith(".pt", StringComparison.Ordinal) ? MutatePickle(originals[source], random) : FlipBytes(originals[source], random),
                };
                File.WriteAllBytes(path, bytes);
                float[] before = parameters.SnapshotValues();
                try
                {
                    SafeTensors.Load(path, parameters.List);
                }
                catch (WeightFileException)
                {
                    refused++;
                    if (!before.AsSpan().SequenceEqual(parameters.SnapshotValues()))
                    {
                        failures.Add($"case {c} ({sources[source]}, mutation {kind}): refused, but the parameters changed");
                    }
                }
                catch (Exception e)
                {
                    failures.Add($"case {c} ({sources[source]}, mutation {kind}): {e.GetType().Name}: {e.Message}");
                }

                try
                {
                    _ = sources[source].EndsWith(".pt", StringComparison.Ordinal) ? PyTorchStateDict.ReadAll(path) : SafeTensors.ReadAll(path);
                }
                catch (WeightFileException)
                {
                }
                catch (Exception e)
                {
                    failures.Add($"case {c} ({sources[source]}, mutation {kind}), ReadAll: {e.GetType().Name}: {e.Message}");
                }
            }

            Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases (seed {seed}):\n" + string.Join("\n", failures.Take(20)));
            Assert.InRange(refused, cases / 4, cases);
        }

        private static byte[] FlipBytes(byte[] original, Random random)
        {
            byte[] bytes = (byte[])original.Clone();
            for (int i = random.Next(1, 9); i > 0; i--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            return bytes;
        }

        /// <summary>The archive again, with its data.pkl mutated (bytes changed, removed, repeated or inserted) and stored with a correct checksum.</summary>
        private static byte[] MutatePickle(byte[] original, Random random)
        {
            using var output = new MemoryStream();
            using (var source = new ZipArchive(new MemoryStream(original), ZipArchiveMode.Read))
            using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (ZipArchiveEntry entry in source.Entries)
                {
                    using var read = entry.Open();
                    using var buffer = new MemoryStream();
                    read.CopyTo(buffer);
                    byte[] content = buffer.ToArray();
                    if (entry.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))
                    {
                        content = MutateBytes(content, random);
                    }

                    using var write = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                    write.Write(content);
                }
            }

            return output.ToArray();
        }

        private static byte[] MutateBytes(byte[] data, Random random)
        {
            var list = data.ToList();
            for (int i = random.Next(1, 4); i > 0 && list.Count > 0; i--)
            {
                int at = random.Next(list.Count);
                switch (random.Next(4))
                {
                    case 0:
                        list[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        list.RemoveRange(at, Math.Min(list.Count - at, random.Next(1, 16)));
                        break;
                    case 2:
                        list.InsertRange(at, list.Skip(random.Next(list.Count)).Take(random.Next(1, 32)).ToArray());
                        break;
                    default:
                        list.Insert(at, (byte)random.Next(256));
                        break;
                }
            }

            return list.ToArray();
        }
    }
}
