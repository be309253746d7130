using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RnnGen
{
    /// <summary>
    /// Reads and writes model parameters in the Hugging Face safetensors format, which PyTorch
    /// loads with <c>safetensors.torch.load_file</c> and writes with
    /// <c>safetensors.torch.save_file(model.state_dict(), path)</c>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A safetensors file is an 8-byte little-endian header length <c>N</c>, an <c>N</c>-byte UTF-8
    /// JSON header (padded with spaces) mapping each tensor name to
    /// <c>{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}</c> plus an optional
    /// <c>"__metadata__"</c> object of strings, and then the raw little-endian tensor data, which the
    /// tensors must cover exactly.
    /// </para>
    /// <para>
    /// Every problem with a file is reported as a <see cref="WeightFileException"/> that names the
    /// file and, where one is involved, the tensor.
    /// </para>
    /// </remarks>
    public static class SafeTensors
    {
        private const int CopyChunkBytes = 1 << 16;

        /// <summary>
        /// Writes the parameters to a safetensors file as F32 tensors in parameter order, with the
        /// metadata <c>{"format": "pt"}</c>.
        /// </summary>
        /// <remarks>
        /// The file is written to a temporary file in the same directory, flushed to disk and then
        /// moved over <paramref name="path"/>, so a failure never leaves a partially written file.
        /// </remarks>
        /// <param name="path">The destination file; replaced if it exists.</param>
        /// <param name="parameters">The parameters to save; names must be unique.</param>
        /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or
        /// <paramref name="parameters"/> contains <see langword="null"/>, a duplicate name or the
        /// reserved name <c>__metadata__</c>.</exception>
        /// <exception cref="IOException">The file could not be written.</exception>
        public static void Save(string path, IReadOnlyList<Parameter> parameters)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            Write(path, Array.ConvertAll(CheckParameters(parameters), p => new TensorSpec(p.Name, p.Shape, parameter: p)), metadata: null);
        }

        /// <summary>
        /// Writes tensors and metadata atomically: to a temporary file beside <paramref name="path"/>,
        /// flushed to disk and then renamed over it. Temporary files that earlier writes to the same
        /// path left behind (a process killed while saving) are deleted first, unless a live writer
        /// still holds them.
        /// </summary>
        /// <param name="path">The destination file; replaced if it exists.</param>
        /// <param name="list">The tensors, with unique names.</param>
        /// <param name="metadata">Extra <c>__metadata__</c> entries, or <see langword="null"/>.</param>
        internal static void Write(string path, TensorSpec[] list, IReadOnlyDictionary<string, string>? metadata)
        {
            foreach (TensorSpec parameter in list)
            {
                if (parameter.Name == SafeTensorsHeader.MetadataKey)
                {
                    throw new ArgumentException($"'{SafeTensorsHeader.MetadataKey}' is reserved and cannot be a parameter name.", "parameters");
                }
            }

            byte[] header = BuildHeader(list, metadata);
            string fullPath = Path.GetFullPath(path);
            string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' is not a file path.", nameof(path));
            string fileName = Path.GetFileName(fullPath);
            DeleteStaleTemporaries(directory, fileName);
            string temporaryPath = Path.Combine(directory, $".{fileName}.{Path.GetRandomFileName()}.tmp");
            try
            {
                // FileShare.None locks the file while it is written (flock on Unix), which is how a
                // later save tells a live writer's temporary file from one a killed process left.
                using (var stream = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyChunkBytes))
                {
                    Span<byte> prefix = stackalloc byte[8];
                    BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                    stream.Write(prefix);
                    stream.Write(header);
                    foreach (TensorSpec tensor in list)
                    {
                        WriteSingles(stream, tensor.Values);
                    }

                    stream.Flush(flushToDisk: true);
                    if (!OperatingSystem.IsWindows())
                    {
                        // Renamed while still locked: no moment where another save could take it for stale.
                        File.Move(temporaryPath, fullPath, overwrite: true);
                    }
                }

                if (OperatingSystem.IsWindows())
                {
                    File.Move(temporaryPath, fullPath, overwrite: true);
                }
            }
            catch
            {
                TryDelete(temporaryPath);
                throw;
            }
        }

        /// <summary>The temporary files a write to <paramref name="fileName"/> uses, in the pattern <see cref="Write"/> names them.</summary>
        /// <param name="directory">The destination's directory.</param>
        /// <param name="fileName">The destination's file name.</param>
        /// <returns>The paths of the temporary files present now.</returns>
        internal static string[] TemporaryFiles(string directory, string fileName)
        {
            try
            {
                return Directory.GetFiles(directory, $".{fileName}.*.tmp");
            }
            catch (IOException)
            {
                return [];
            }
            catch (UnauthorizedAccessException)
            {
                return [];
            }
        }

        private static void DeleteStaleTemporaries(string directory, string fileName)
        {
            foreach (string candidate in TemporaryFiles(directory, fileName))
            {
                try
                {
                    // Opening with FileShare.None fails while a live writer holds the file.
                    using (new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                    {
                    }

                    File.Delete(candidate);
                }
                catch (IOException)
                {
                    // In use by another save, or gone already.
                }
                catch (UnauthorizedAccessException)
                {
                    // Not ours to delete.
                }
            }
        }

        /// <summary>
        /// Loads parameter values from a safetensors file, or from a PyTorch state_dict saved with
        /// <c>torch.save</c> (see <see cref="PyTorchStateDict"/>), as strictly as PyTorch's
        /// <c>load_state_dict(strict=True)</c>: the file must contain exactly the parameters' names,
        /// each a tensor of the parameter's shape (F32 in a safetensors file; float32, float16,
        /// bfloat16 or float64 in a PyTorch file, converted to float32).
        /// </summary>
        /// <remarks>
        /// The whole file is validated and read before any parameter is written, so when an
        /// exception is thrown the parameters are unchanged.
        /// </remarks>
        /// <param name="path">The file to read.</param>
        /// <param name="parameters">The parameters to fill; names must be unique.</param>
        /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or
        /// <paramref name="parameters"/> contains <see langword="null"/> or a duplicate name.</exception>
        /// <exception cref="WeightFileException">The file is malformed, lacks a parameter, contains a
        /// tensor the model does not have, or has a tensor of the wrong dtype or shape.</exception>
        /// <exception cref="IOException">The file could not be read.</exception>
        public static void Load(string path, IReadOnlyList<Parameter> parameters) => Load(path, parameters, allowNonFinite: false);

        /// <summary>
        /// Loads parameter values from a safetensors file, as <see cref="Load(string, IReadOnlyList{Parameter})"/>,
        /// optionally accepting NaN and infinite values.
        /// </summary>
        /// <param name="path">The file to read.</param>
        /// <param name="parameters">The parameters to fill; names must be unique.</param>
        /// <param name="allowNonFinite">Whether tensors may hold NaN or infinite values (for
        /// inspecting a diverged model); otherwise such a file is a <see cref="WeightFileException"/>.</param>
        /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or
        /// <paramref name="parameters"/> contains <see langword="null"/> or a duplicate name.</exception>
        /// <exception cref="WeightFileException">The file is malformed, does not match the parameters,
        /// or (unless allowed) holds a NaN or infinite value.</exception>
        /// <exception cref="IOException">The file could not be read.</exception>
        public static void Load(string path, IReadOnlyList<Parameter> parameters, bool allowNonFinite)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            Parameter[] list = CheckParameters(parameters);
            TensorSpec[] specs = Array.ConvertAll(list, p => new TensorSpec(p.Name, p.Shape));
            float[][] staged = IsPyTorchFile(path)
                ? PyTorchStateDict.ReadStaged(path, specs, allowNonFinite)
                : ReadStaged(path, specs, allowNonFinite, out _);

            // Touch every destination first, so a disposed buffer is reported before anything is copied.
            for (int i = 0; i < list.Length; i++)
            {
                _ = list[i].Value;
            }

            for (int i = 0; i < list.Length; i++)
            {
                staged[i].AsSpan().CopyTo(list[i].Value);
            }
        }

        /// <summary>
        /// Reads the tensors matching <paramref name="list"/> exactly (names, F32, shapes) into new
        /// arrays, without touching the parameters, and the file's metadata.
        /// </summary>
        /// <param name="path">The file to read.</param>
        /// <param name="list">The expected tensors.</param>
        /// <param name="allowNonFinite">Whether NaN and infinite values are accepted.</param>
        /// <param name="metadata">The file's <c>__metadata__</c>.</param>
        /// <returns>One array per expected tensor, in order.</returns>
        internal static float[][] ReadStaged(string path, TensorSpec[] list, bool allowNonFinite, out IReadOnlyDictionary<string, string> metadata)
        {
            var staged = new float[list.Length][];
            using FileStream stream = OpenRead(path);
            SafeTensorsHeader header = SafeTensorsHeader.Read(stream, path);
            SafeTensorsEntry[] entries = Match(header, list, path);
            for (int i = 0; i < list.Length; i++)
            {
                SafeTensorsEntry entry = entries[i];
                var values = new float[entry.Length];
                stream.Seek(header.DataStart + entry.Begin, SeekOrigin.Begin);
                SafeTensorsHeader.ReadExactly(stream, MemoryMarshal.AsBytes(values.AsSpan()), path);
                if (!BitConverter.IsLittleEndian)
                {
                    Span<int> bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
                    BinaryPrimitives.ReverseEndianness(bits, bits);
                }

                if (!allowNonFinite)
                {
                    RequireFinite(path, entry.Name, values, converted: false);
                }

                staged[i] = values;
            }

            metadata = header.Metadata;
            return staged;
        }

        /// <summary>Reads every tensor of a safetensors file.</summary>
        /// <param name="path">The file to read.</param>
        /// <returns>The tensors by name (ordinal comparison).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
        /// <exception cref="WeightFileException">The file is malformed.</exception>
        /// <exception cref="IOException">The file could not be read.</exception>
        public static IReadOnlyDictionary<string, TensorData> ReadAll(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            using FileStream stream = OpenRead(path);
            SafeTensorsHeader header = SafeTensorsHeader.Read(stream, path);
            var result = new Dictionary<string, TensorData>(header.Tensors.Count, StringComparer.Ordinal);
            foreach (SafeTensorsEntry entry in header.Tensors)
            {
                var bytes = new byte[entry.End - entry.Begin];
                stream.Seek(header.DataStart + entry.Begin, SeekOrigin.Begin);
                SafeTensorsHeader.ReadExactly(stream, bytes, path);
                result.Add(entry.Name, new TensorData(entry.DType, (int[])entry.Shape.Clone(), entry.Length, bytes));
            }

            return new ReadOnlyDictionary<string, TensorData>(result);
        }

        /// <summary>Reads the <c>__metadata__</c> of a safetensors file.</summary>
        /// <param name="path">The file to read.</param>
        /// <returns>The metadata (ordinal comparison); empty when the file has none.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
        /// <exception cref="WeightFileException">The file is malformed.</exception>
        /// <exception cref="IOException">The file could not be read.</exception>
        public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            using FileStream stream = OpenRead(path);
            SafeTensorsHeader header = SafeTensorsHeader.Read(stream, path);
            return new ReadOnlyDictionary<string, string>(header.Metadata);
        }

        /// <summary>Whether the file starts as PyTorch's files do (a zip archive, or a pickle in the format from before 1.6).</summary>
        private static bool IsPyTorchFile(string path)
        {
            using FileStream stream = OpenRead(path);
            Span<byte> header = stackalloc byte[4];
            int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            return PyTorchStateDict.IsArchive(header[..read]) || PyTorchStateDict.IsLegacyPickle(header[..read]);
        }

        private static FileStream OpenRead(string path)
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, CopyChunkBytes);
        }

        /// <summary>Copies the list, checking for null, duplicate names and disposed parameters.</summary>
        /// <param name="parameters">The parameters.</param>
        /// <returns>The checked copy.</returns>
        internal static Parameter[] CheckParameters(IReadOnlyList<Parameter> parameters)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            var list = new Parameter[parameters.Count];
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < list.Length; i++)
            {
                Parameter? parameter = parameters[i];
                if (parameter is null)
                {
                    throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
                }

                if (!names.Add(parameter.Name))
                {
                    throw new ArgumentException($"More than one parameter is named '{parameter.Name}'.", nameof(parameters));
                }

                list[i] = parameter;
            }

            return list;
        }

        private static SafeTensorsEntry[] Match(SafeTensorsHeader header, TensorSpec[] parameters, string path)
        {
            CheckNames(path, parameters, header.ByName.ContainsKey, header.Tensors.ConvertAll(t => t.Name));
            var entries = new SafeTensorsEntry[parameters.Length];
            for (int i = 0; i < parameters.Length; i++)
            {
                TensorSpec parameter = parameters[i];
                SafeTensorsEntry entry = header.ByName[parameter.Name];
                if (entry.DType != "F32")
                {
                    throw new WeightFileException($"Tensor '{entry.Name}' has dtype {entry.DType} in the file but the model expects F32. File: '{path}'.", entry.Name);
                }

                RequireShape(path, entry.Name, entry.Shape, parameter.Shape);

                entries[i] = entry;
            }

            return entries;
        }

        /// <summary>
        /// Checks that a file holds exactly the expected tensors' names, as PyTorch's
        /// <c>load_state_dict(strict=True)</c> does, naming what is missing and what the model does not have.
        /// </summary>
        /// <param name="path">The file, for the message.</param>
        /// <param name="parameters">The expected tensors.</param>
        /// <param name="inFile">Whether the file holds a tensor of a name.</param>
        /// <param name="fileNames">The names the file holds, in its order.</param>
        internal static void CheckNames(string path, TensorSpec[] parameters, Func<string, bool> inFile, List<string> fileNames)
        {
            var missing = new List<string>();
            var expected = new HashSet<string>(StringComparer.Ordinal);
            foreach (TensorSpec parameter in parameters)
            {
                expected.Add(parameter.Name);
                if (!inFile(parameter.Name))
                {
                    missing.Add(parameter.Name);
                }
            }

            var unexpected = fileNames.FindAll(name => !expected.Contains(name));
            if (missing.Count > 0 || unexpected.Count > 0)
            {
                var message = new StringBuilder($"Weight file '{path}' does not match the model:");
                if (missing.Count > 0)
                {
                    message.Append(" missing tensors ").Append(QuoteList(missing)).Append(';');
                }

                if (unexpected.Count > 0)
                {
                    message.Append(" unexpected tensors the model does not have ").Append(QuoteList(unexpected)).Append(';');
                }

                message.Length--;
                message.Append('.');
                throw new WeightFileException(message.ToString(), missing.Count > 0 ? missing[0] : unexpected[0]);
            }
        }

        /// <summary>Throws unless the tensor <paramref name="name"/> has the model's shape in the file.</summary>
        internal static void RequireShape(string path, string name, IReadOnlyList<int> file, IReadOnlyList<int> model)
        {
            if (!SameShape(file, model))
            {
                throw new WeightFileException($"Tensor '{name}' has shape {SafeTensorsHeader.FormatShape(file)} in the file but the model expects {SafeTensorsHeader.FormatShape(model)}. File: '{path}'.", name);
            }
        }

        /// <summary>Throws if a value read for the tensor <paramref name="name"/> is NaN or infinite (<paramref name="converted"/>: read from float64).</summary>
        internal static void RequireFinite(string path, string name, float[] values, bool converted)
        {
            int bad = Numerics.Finite.IndexOfNonFinite(values);
            if (bad >= 0)
            {
                throw new WeightFileException(
                    $"'{path}': tensor '{name}' holds {values[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)} at element {bad}{(converted ? " (as float32)" : string.Empty)}; weights must be finite (load with allowNonFinite: true to inspect such a file anyway).",
                    name);
            }
        }

        /// <summary>Whether a tensor in a file has the model's shape.</summary>
        private static bool SameShape(IReadOnlyList<int> file, IReadOnlyList<int> model)
        {
            if (file.Count != model.Count)
            {
                return false;
            }

            for (int i = 0; i < file.Count; i++)
            {
                if (file[i] != model[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static string QuoteList(List<string> names)
        {
            const int Shown = 10;
            var builder = new StringBuilder();
            for (int i = 0; i < names.Count && i < Shown; i++)
            {
                builder.Append(i == 0 ? "'" : ", '").Append(names[i]).Append('\'');
            }

            if (names.Count > Shown)
            {
                builder.Append(" and ").Append(names.Count - Shown).Append(" more");
            }

            return builder.ToString();
        }

        private static byte[] BuildHeader(TensorSpec[] parameters, IReadOnlyDictionary<string, string>? metadata)
        {
            var entries = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
            if (metadata is not null)
            {
                foreach (KeyValuePair<string, string> item in metadata)
                {
                    entries[item.Key] = item.Value;
                }
            }

            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                writer.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (KeyValuePair<string, string> item in entries)
                {
                    writer.WriteString(item.Key, item.Value);
                }

                writer.WriteEndObject();
                long offset = 0;
                foreach (TensorSpec parameter in parameters)
                {
                    long end = offset + ((long)parameter.Length * sizeof(float));
                    writer.WriteStartObject(parameter.Name);
                    writer.WriteString("dtype", "F32");
                    writer.WriteStartArray("shape");
                    for (int i = 0; i < parameter.Shape.Count; i++)
                    {
                        writer.WriteNumberValue(parameter.Shape[i]);
                    }

                    writer.WriteEndArray();
                    writer.WriteStartArray("data_offsets");
                    writer.WriteNumberValue(offset);
                    writer.WriteNumberValue(end);
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                    offset = end;
                }

                writer.WriteEndObject();
            }

            int padded = (buffer.WrittenCount + 7) & ~7;
            byte[] header = new byte[padded];
            buffer.WrittenSpan.CopyTo(header);
            header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
            return header;
        }

        private static void WriteSingles(Stream stream, ReadOnlySpan<float> values)
        {
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(values));
                return;
            }

            Span<byte> chunk = stackalloc byte[1024];
            while (!values.IsEmpty)
            {
                int count = Math.Min(values.Length, chunk.Length / sizeof(float));
                for (int i = 0; i < count; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(chunk.Slice(i * sizeof(float)), values[i]);
                }

                stream.Write(chunk.Slice(0, count * sizeof(float)));
                values = values.Slice(count);
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // The original exception matters more than a leftover temporary file.
            }
            catch (UnauthorizedAccessException)
            {
                // As above.
            }
        }
    }

    /// <summary>A tensor's name and shape, and where its values come from when it is written.</summary>
    internal readonly struct TensorSpec
    {
        private readonly Parameter? _parameter;
        private readonly float[]? _array;

        /// <summary>Creates a tensor description.</summary>
        /// <param name="name">The tensor's name in the file.</param>
        /// <param name="shape">Its shape.</param>
        /// <param name="parameter">The parameter whose values are written, if any.</param>
        /// <param name="array">The array whose values are written, if any.</param>
        public TensorSpec(string name, IReadOnlyList<int> shape, Parameter? parameter = null, float[]? array = null)
        {
            Name = name;
            Shape = shape;
            _parameter = parameter;
            _array = array;
            long length = 1;
            for (int i = 0; i < shape.Count; i++)
            {
                length *= shape[i];
            }

            Length = (int)length;
        }

        /// <summary>Gets the tensor's name.</summary>
        public string Name { get; }

        /// <summary>Gets the tensor's shape.</summary>
        public IReadOnlyList<int> Shape { get; }

        /// <summary>Gets the number of elements.</summary>
        public int Length { get; }

        /// <summary>Gets the values to write.</summary>
        public ReadOnlySpan<float> Values => _parameter is not null ? _parameter.Value : _array;
    }
}
