using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public sealed class SafeTensorsTests : IDisposable
    {
        private readonly string _directory;

        public SafeTensorsTests()
        {
            _directory = Path.Combine(Path.GetTempPath(), "rnngen-safetensors-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_directory);
        }

        public void Dispose()
        {
            Directory.Delete(_directory, recursive: true);
        }

        [Fact]
        public void SaveThenLoadRoundTripsBitForBit()
        {
            string path = Path.Combine(_directory, "model.safetensors");
            using var source = new TestParameters(("embedding.weight", new[] { 11, 8 }), ("lstm.weight_ih_l0", new[] { 52, 8 }), ("lstm.bias_ih_l0", new[] { 52 }), ("scale", Array.Empty<int>()));
            source.FillRandom(1);
            source.Values.AsSpan()[0] = float.NaN;
            source.Values.AsSpan()[1] = float.NegativeInfinity;
            source.Values.AsSpan()[2] = -0f;
            source.Values.AsSpan()[3] = float.Epsilon;
            SafeTensors.Save(path, source.List);

            using var target = new TestParameters(("embedding.weight", new[] { 11, 8 }), ("lstm.weight_ih_l0", new[] { 52, 8 }), ("lstm.bias_ih_l0", new[] { 52 }), ("scale", Array.Empty<int>()));

            // NaN and infinities are refused unless asked for; then they round-trip bit for bit too.
            Assert.Throws<WeightFileException>(() => SafeTensors.Load(path, target.List));
            SafeTensors.Load(path, target.List, allowNonFinite: true);
            Assert.Equal(Bits(source.SnapshotValues()), Bits(target.SnapshotValues()));

            // Loading is by name, not by position.
            using var reordered = new TestParameters(("scale", Array.Empty<int>()), ("lstm.bias_ih_l0", new[] { 52 }), ("embedding.weight", new[] { 11, 8 }), ("lstm.weight_ih_l0", new[] { 52, 8 }));
            SafeTensors.Load(path, reordered.List, allowNonFinite: true);
            for (int i = 0; i < 4; i++)
            {
                Parameter original = source.List.Single(p => p.Name == reordered[i].Name);
                Assert.Equal(Bits(original.Value.ToArray()), Bits(reordered[i].Value.ToArray()));
            }

            Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(_directory).Select(f => Path.GetFileName(f)));
        }

        [Fact]
        public void SavedFileFollowsTheFormat()
        {
            string path = Path.Combine(_directory, "format.safetensors");
            using var parameters = new TestParameters(("dense.weight", new[] { 3, 2 }), ("dense.bias", new[] { 3 }));
            parameters.FillRandom(2);
            SafeTensors.Save(path, parameters.List);

            byte[] file = File.ReadAllBytes(path);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
            Assert.Equal(0UL, headerLength % 8);
            Assert.Equal(8 + (long)headerLength + (9 * 4), file.LongLength);
            string headerText = Encoding.UTF8.GetString(file, 8, (int)headerLength);
            Assert.StartsWith("{", headerText, StringComparison.Ordinal);
            Assert.Equal(headerText.TrimEnd(' ').Length, headerText.TrimEnd().Length);
            using JsonDocument header = JsonDocument.Parse(headerText);
            JsonElement root = header.RootElement;
            Assert.Equal("pt", root.GetProperty("__metadata__").GetProperty("format").GetString());
            Assert.Equal(new[] { "__metadata__", "dense.weight", "dense.bias" }, root.EnumerateObject().Select(p => p.Name));
            JsonElement weight = root.GetProperty("dense.weight");
            Assert.Equal("F32", weight.GetProperty("dtype").GetString());
            Assert.Equal(new[] { 3, 2 }, weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(new[] { 0L, 24L }, weight.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
            Assert.Equal(new[] { 24L, 36L }, root.GetProperty("dense.bias").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));

            float[] values = parameters.SnapshotValues();
            for (int i = 0; i < 9; i++)
            {
                Assert.Equal(values[i], BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(8 + (int)headerLength + (4 * i))));
            }

            IReadOnlyDictionary<string, TensorData> all = SafeTensors.ReadAll(path);
            Assert.Equal(2, all.Count);
            Assert.Equal(new[] { 3 }, all["dense.bias"].Shape);
            Assert.Equal(values.AsSpan(6, 3).ToArray(), all["dense.bias"].ToSingleArray());
            Assert.Equal("pt", SafeTensors.ReadMetadata(path)["format"]);
        }

        [Fact]
        public void HandMadeFileIsReadCorrectly()
        {
            // 165 bytes of JSON padded with 3 spaces to 168, a multiple of 8.
            string json = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"made by hand\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[16,28]}}";
            byte[] header = Encoding.ASCII.GetBytes(json.PadRight((json.Length + 7) / 8 * 8));
            Assert.Equal(168, header.Length);
            var bytes = new List<byte>
            {
                // Header length 168, little-endian u64.
                0xA8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            };
            bytes.AddRange(header);
            bytes.AddRange(new byte[]
            {
                0x00, 0x00, 0x80, 0x3F, // a[0,0] = 1.0
                0x00, 0x00, 0x20, 0xC0, // a[0,1] = -2.5
                0x00, 0x00, 0x00, 0x3F, // a[1,0] = 0.5
                0x00, 0x00, 0x40, 0x40, // a[1,1] = 3.0
                0x00, 0x00, 0x00, 0x00, // b[0] = 0.0
                0x00, 0x00, 0x80, 0x7F, // b[1] = +infinity
                0xDB, 0x0F, 0x49, 0x40, // b[2] = 3.14159274 (float pi)
            });
            string path = Path.Combine(_directory, "hand.safetensors");
            File.WriteAllBytes(path, bytes.ToArray());

            using var parameters = new TestParameters(("a", new[] { 2, 2 }), ("b", new[] { 3 }));
            SafeTensors.Load(path, parameters.List, allowNonFinite: true);
            Assert.Equal(new[] { 1f, -2.5f, 0.5f, 3f }, parameters[0].Value.ToArray());
            Assert.Equal(new[] { 0f, float.PositiveInfinity, MathF.PI }, parameters[1].Value.ToArray());

            IReadOnlyDictionary<string, string> metadata = SafeTensors.ReadMetadata(path);
            Assert.Equal(2, metadata.Count);
            Assert.Equal("made by hand", metadata["note"]);
        }

        [Fact]
        public void HandMadeFileWithEveryConvertibleDTypeIsRead()
        {
            string json = "{\"i\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"j\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[16,24]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[24,32]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[32,34]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[34,36]},"
                + "\"u\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[36,39]},"
                + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[39,43]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[43,43]}}";
            byte[] data =
            {
                0x07, 0, 0, 0, 0, 0, 0, 0, // i[0] = 7
                0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // i[1] = -3
                0x01, 0, 0, 0, // j[0] = 1
                0xFF, 0xFF, 0xFF, 0xFF, // j[1] = -1
                0, 0, 0, 0, 0, 0, 0xD0, 0x3F, // d = 0.25
                0x00, 0x3E, // h = 1.5
                0x00, 0xC0, // bf = -2.0
                0x01, 0x02, 0xFF, // u = 1, 2, 255
                0x00, 0x00, 0x00, 0x40, // s = 2.0
            };
            string path = Path.Combine(_directory, "dtypes.safetensors");
            File.WriteAllBytes(path, Build(json, data));

            IReadOnlyDictionary<string, TensorData> all = SafeTensors.ReadAll(path);
            Assert.Equal(8, all.Count);
            Assert.Equal("I64", all["i"].DType);
            Assert.Equal(new long[] { 7, -3 }, all["i"].ToInt64Array());
            Assert.Equal(new[] { 7f, -3f }, all["i"].ToSingleArray());
            Assert.Equal(new long[] { 1, -1 }, all["j"].ToInt64Array());
            Assert.Equal(new[] { 1f, -1f }, all["j"].ToSingleArray());
            Assert.Equal(new[] { 0.25f }, all["d"].ToSingleArray());
            Assert.Equal(new[] { 1.5f }, all["h"].ToSingleArray());
            Assert.Equal(new[] { -2f }, all["bf"].ToSingleArray());
            Assert.Equal(new long[] { 1, 2, 255 }, all["u"].ToInt64Array());
            Assert.Empty(all["s"].Shape);
            Assert.Equal(1, all["s"].Length);
            Assert.Equal(new[] { 2f }, all["s"].ToSingleArray());
            Assert.Equal(new[] { 0, 4 }, all["z"].Shape);
            Assert.Empty(all["z"].ToSingleArray());
            Assert.Throws<NotSupportedException>(() => all["d"].ToInt64Array());
            Assert.Throws<NotSupportedException>(() => all["s"].ToInt64Array());
            Assert.Empty(SafeTensors.ReadMetadata(path));
        }

        [Fact]
        public void ReadsTheModelFixtures()
        {
            string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Lstm1.safetensors");
            IReadOnlyDictionary<string, TensorData> all = SafeTensors.ReadAll(path);
            Assert.Equal("F32", all["param.lstm.weight_ih_l0"].DType);
            Assert.Equal(new[] { 52, 8 }, all["param.lstm.weight_ih_l0"].Shape);
            Assert.Equal(52 * 8, all["param.lstm.weight_ih_l0"].ToSingleArray().Length);
            long[] input = all["input"].ToInt64Array();
            Assert.Equal(new[] { 3, 6 }, all["input"].Shape);
            Assert.Equal(new long[] { 1, 7, 6, 7, 10, 8 }, input.Take(6));
            Assert.All(input, token => Assert.InRange(token, 0, 10));
            Assert.Equal("Lstm1", SafeTensors.ReadMetadata(path)["model"]);
        }

        public static IEnumerable<object[]> BadFiles()
        {
            const string A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}";
            const string B = "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[16,28]}";
            yield return new object[] { "missing tensor", "{" + A + "}", 16, "b", "missing tensors 'b'" };
            yield return new object[] { "unexpected tensor", "{" + A + "," + B + ",\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[28,32]}}", 32, "c", "unexpected tensors the model does not have 'c'" };
            yield return new object[] { "wrong shape", "{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}", 32, "b", "Tensor 'b' has shape [4] in the file but the model expects [3]." };
            yield return new object[] { "wrong rank", "{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[16,28]}}", 28, "b", "Tensor 'b' has shape [3, 1] in the file but the model expects [3]." };
            yield return new object[] { "wrong dtype", "{" + A + ",\"b\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[16,40]}}", 40, "b", "Tensor 'b' has dtype F64 in the file but the model expects F32." };
            yield return new object[] { "offsets out of range", "{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[20,32]}}", 28, "b", "out of range" };
            yield return new object[] { "overlapping offsets", "{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[12,24]}}", 24, "b", "overlaps tensor 'a'" };
            yield return new object[] { "gap between tensors", "{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[20,32]}}", 32, "b", "belong to no tensor" };
            yield return new object[] { "trailing bytes", "{" + A + "," + B + "}", 32, null!, "the tensors end at byte 28 of the data section but it has 32 bytes" };
            yield return new object[] { "duplicate name", "{" + A + "," + A + "," + B + "}", 28, "a", "more than once" };
            yield return new object[] { "size does not match shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}," + B.Replace("16,28", "12,24", StringComparison.Ordinal) + "}", 24, "a", "needs 16 bytes" };
            yield return new object[] { "unknown dtype", "{\"a\":{\"dtype\":\"F33\",\"shape\":[2,2],\"data_offsets\":[0,16]}," + B + "}", 28, "a", "unknown dtype 'F33'" };
            yield return new object[] { "negative offset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[-1,15]}," + B + "}", 28, "a", "non-negative" };
            yield return new object[] { "negative dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2,-2],\"data_offsets\":[0,16]}," + B + "}", 28, "a", "dimension 0" };
            yield return new object[] { "missing dtype", "{\"a\":{\"shape\":[2,2],\"data_offsets\":[0,16]}," + B + "}", 28, "a", "has no dtype" };
            yield return new object[] { "metadata value not a string", "{\"__metadata__\":{\"epoch\":3}," + A + "," + B + "}", 28, null!, "must be strings" };
            yield return new object[] { "invalid JSON", "{" + A + "," + B, 28, null!, "not valid JSON" };
            yield return new object[] { "header not an object", "[1,2,3]", 28, null!, "does not start with '{'" };
            yield return new object[] { "tensor entry not an object", "{\"a\":[1]," + B + "}", 28, "a", "not an object" };
        }

        [Theory]
        [MemberData(nameof(BadFiles))]
        public void BadFilesThrowAndLeaveParametersUnchanged(string description, string json, int dataLength, string? tensorName, string messagePart)
        {
            string path = Path.Combine(_directory, "bad.safetensors");
            File.WriteAllBytes(path, Build(json, new byte[dataLength]));
            AssertLoadFails(path, tensorName, messagePart, description);
        }

        [Fact]
        public void TruncatedFileThrowsAndLeavesParametersUnchanged()
        {
            string path = Path.Combine(_directory, "truncated.safetensors");
            using (var source = new TestParameters(("a", new[] { 2, 2 }), ("b", new[] { 3 })))
            {
                SafeTensors.Save(path, source.List);
            }

            byte[] full = File.ReadAllBytes(path);
            File.WriteAllBytes(path, full.AsSpan(0, full.Length - 4).ToArray());
            AssertLoadFails(path, "b", "truncated", "data cut short");

            File.WriteAllBytes(path, full.AsSpan(0, 20).ToArray());
            AssertLoadFails(path, null, "truncated", "header cut short");

            File.WriteAllBytes(path, full.AsSpan(0, 5).ToArray());
            AssertLoadFails(path, null, "too short", "length prefix cut short");

            File.WriteAllBytes(path, Array.Empty<byte>());
            AssertLoadFails(path, null, "too short", "empty file");
        }

        [Fact]
        public void BadHeaderLengthsThrow()
        {
            string path = Path.Combine(_directory, "length.safetensors");
            byte[] valid = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[16,28]}}", new byte[28]);

            byte[] huge = (byte[])valid.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue);
            File.WriteAllBytes(path, huge);
            AssertLoadFails(path, null, "header length is 18446744073709551615 bytes", "u64 max");

            byte[] beyond = (byte[])valid.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(beyond, (ulong)valid.Length);
            File.WriteAllBytes(path, beyond);
            AssertLoadFails(path, null, "truncated or not a safetensors file", "past the end");

            byte[] zero = (byte[])valid.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(zero, 0);
            File.WriteAllBytes(path, zero);
            AssertLoadFails(path, null, "header length is 0 bytes", "zero");
        }

        [Fact]
        public void InvalidUtf8InTheHeaderThrows()
        {
            string path = Path.Combine(_directory, "utf8.safetensors");
            byte[] bytes = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[16,28]},\"x?\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[28,28]}}", new byte[28]);
            int index = Array.IndexOf(bytes, (byte)'?');
            bytes[index] = 0xFF;
            File.WriteAllBytes(path, bytes);
            AssertLoadFails(path, null, "valid", "invalid UTF-8");
        }

        [Fact]
        public void LoadIntoADisposedBufferChangesNothing()
        {
            string path = Path.Combine(_directory, "partial.safetensors");
            using var source = new TestParameters(("a", new[] { 4 }), ("b", new[] { 3 }));
            source.FillRandom(6);
            SafeTensors.Save(path, source.List);

            using var first = new TestParameters(("a", new[] { 4 }));
            var second = new TestParameters(("b", new[] { 3 }));
            second.Values.Dispose();
            float[] before = first.SnapshotValues();
            Assert.Throws<ObjectDisposedException>(() => SafeTensors.Load(path, new[] { first[0], second[0] }));
            Assert.Equal(before, first.SnapshotValues());
            second.Gradients.Dispose();
        }

        [Fact]
        public void MissingFileThrowsFileNotFound()
        {
            using var parameters = new TestParameters(("a", new[] { 1 }));
            Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(Path.Combine(_directory, "absent.safetensors"), parameters.List));
            Assert.Throws<FileNotFoundException>(() => SafeTensors.ReadAll(Path.Combine(_directory, "absent.safetensors")));
        }

        [Fact]
        public void SaveReplacesAnExistingFileAndAFailedSaveLeavesItUntouched()
        {
            string path = Path.Combine(_directory, "existing.safetensors");
            File.WriteAllText(path, "previous contents");
            using (var first = new TestParameters(("w", new[] { 4 })))
            {
                first.FillRandom(3);
                SafeTensors.Save(path, first.List);
                Assert.Equal(first.SnapshotValues(), SafeTensors.ReadAll(path)["w"].ToSingleArray());
            }

            byte[] before = File.ReadAllBytes(path);
            var broken = new TestParameters(("w", new[] { 4 }), ("v", new[] { 2 }));
            broken.Values.Dispose();
            Assert.Throws<ObjectDisposedException>(() => SafeTensors.Save(path, broken.List));
            broken.Gradients.Dispose();
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal(new[] { "existing.safetensors" }, Directory.GetFiles(_directory).Select(f => Path.GetFileName(f)));

            using var valid = new TestParameters(("w", new[] { 1 }));
            Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Save(Path.Combine(_directory, "missing", "x.safetensors"), valid.List));
        }

        [Fact]
        public void InvalidArgumentsThrow()
        {
            using var duplicate = new TestParameters(("w", new[] { 1 }), ("w", new[] { 2 }));
            string path = Path.Combine(_directory, "args.safetensors");
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, duplicate.List)).ParamName);
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => SafeTensors.Load(path, duplicate.List)).ParamName);
            using var reserved = new TestParameters(("__metadata__", new[] { 1 }));
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, reserved.List)).ParamName);
            Assert.Throws<ArgumentNullException>(() => SafeTensors.Save(null!, reserved.List));
            Assert.Throws<ArgumentException>(() => SafeTensors.Save(string.Empty, reserved.List));
            Assert.Throws<ArgumentNullException>(() => SafeTensors.Load(path, null!));
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Parameter[] { null! })).ParamName);
            Assert.False(File.Exists(path));
        }

        private static byte[] Build(string json, byte[] data)
        {
            byte[] header = Encoding.UTF8.GetBytes(json.PadRight((Encoding.UTF8.GetByteCount(json) + 7) / 8 * 8));
            var file = new byte[8 + header.Length + data.Length];
            BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
            header.CopyTo(file, 8);
            data.CopyTo(file, 8 + header.Length);
            return file;
        }

        private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

        private static void AssertLoadFails(string path, string? tensorName, string messagePart, string description)
        {
            using var parameters = new TestParameters(("a", new[] { 2, 2 }), ("b", new[] { 3 }));
            parameters.FillRandom(42);
            float[] before = parameters.SnapshotValues();
            WeightFileException exception = Assert.Throws<WeightFileException>(() => SafeTensors.Load(path, parameters.List));
            Assert.True(exception.Message.Contains(messagePart, StringComparison.Ordinal), $"{description}: message was \"{exception.Message}\"");
            if (tensorName is not null)
            {
                Assert.Equal(tensorName, exception.TensorName);
            }

            Assert.Equal(before, parameters.SnapshotValues());
        }
    }
}
