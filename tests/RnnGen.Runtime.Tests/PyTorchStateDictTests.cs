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
