using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace RnnGen
{
    /// <summary>
    /// The parsed and validated header of a safetensors file: 8-byte little-endian header length,
    /// UTF-8 JSON header, then the data section, which the tensors must tile exactly (no gaps, no
    /// overlaps, no trailing bytes), as the format requires.
    /// </summary>
    internal sealed class SafeTensorsHeader
    {
        /// <summary>The largest header accepted, as in the reference implementation.</summary>
        public const long MaxHeaderLength = 100_000_000;

        /// <summary>The key of the optional string-to-string metadata object.</summary>
        public const string MetadataKey = "__metadata__";

        private SafeTensorsHeader(List<SafeTensorsEntry> tensors, Dictionary<string, SafeTensorsEntry> byName, Dictionary<string, string> metadata, long dataStart)
        {
            Tensors = tensors;
            ByName = byName;
            Metadata = metadata;
            DataStart = dataStart;
        }

        /// <summary>Gets the tensors in header order.</summary>
        public List<SafeTensorsEntry> Tensors { get; }

        /// <summary>Gets the tensors by name.</summary>
        public Dictionary<string, SafeTensorsEntry> ByName { get; }

        /// <summary>Gets the metadata, empty when the file has none.</summary>
        public Dictionary<string, string> Metadata { get; }

        /// <summary>Gets the file offset of the data section.</summary>
        public long DataStart { get; }

        /// <summary>Returns the size in bytes of one element of a dtype, or 0 if the dtype is unknown.</summary>
        public static int ElementSize(string dtype)
        {
            return dtype switch
            {
                "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
                "I16" or "U16" or "F16" or "BF16" => 2,
                "I32" or "U32" or "F32" => 4,
                "I64" or "U64" or "F64" => 8,
                _ => 0,
            };
        }

        /// <summary>Formats a shape the way PyTorch prints it, for example <c>[512, 32]</c>.</summary>
        public static string FormatShape(IReadOnlyList<int> shape)
        {
            var builder = new StringBuilder("[");
            for (int i = 0; i < shape.Count; i++)
            {
                if (i > 0)
                {
                    builder.Append(", ");
                }

                builder.Append(shape[i]);
            }

            return builder.Append(']').ToString();
        }

        /// <summary>Reads and validates the header of an open file positioned at its start.</summary>
        /// <exception cref="WeightFileException">The file is malformed.</exception>
        public static SafeTensorsHeader Read(Stream stream, string path)
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw Malformed(path, $"it is {fileLength} bytes long, too short for the 8-byte header length.");
            }

            Span<byte> prefix = stackalloc byte[8];
            ReadExactly(stream, prefix, path);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength < 2 || headerLength > MaxHeaderLength)
            {
                throw Malformed(path, $"the header length is {headerLength} bytes; it must be between 2 and {MaxHeaderLength}.");
            }

            if ((long)headerLength > fileLength - 8)
            {
                throw Malformed(path, $"the header length is {headerLength} bytes but only {fileLength - 8} bytes follow; the file is truncated or not a safetensors file.");
            }

            var header = new byte[headerLength];
            ReadExactly(stream, header, path);
            if (header[0] != (byte)'{')
            {
                throw Malformed(path, "the header does not start with '{'.");
            }

            long dataStart = 8 + (long)headerLength;
            return Parse(header, path, dataStart, fileLength - dataStart);
        }

        /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes, reporting truncation as a <see cref="WeightFileException"/>.</summary>
        public static void ReadExactly(Stream stream, Span<byte> buffer, string path)
        {
            try
            {
                stream.ReadExactly(buffer);
            }
            catch (EndOfStreamException exception)
            {
                throw new WeightFileException($"Weight file '{path}' is truncated: it ended while {buffer.Length} more bytes were being read.", null, exception);
            }
        }

        /// <summary>Creates the exception for a structurally invalid file.</summary>
        public static WeightFileException Malformed(string path, string problem, string? tensorName = null, Exception? inner = null)
        {
            return new WeightFileException($"Weight file '{path}' is not a valid safetensors file: {problem}", tensorName, inner);
        }

        private static SafeTensorsHeader Parse(byte[] header, string path, long dataStart, long dataLength)
        {
            var tensors = new List<SafeTensorsEntry>();
            var byName = new Dictionary<string, SafeTensorsEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            try
            {
                using JsonDocument document = JsonDocument.Parse(header, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Malformed(path, "the header is not a JSON object.");
                }

                foreach (JsonProperty property in root.EnumerateObject())
                {
                    if (property.Name == MetadataKey)
                    {
                        if (sawMetadata)
                        {
                            throw Malformed(path, $"the header contains '{MetadataKey}' more than once.");
                        }

                        sawMetadata = true;
                        ParseMetadata(property.Value, metadata, path);
                        continue;
                    }

                    if (byName.ContainsKey(property.Name))
                    {
                        throw Malformed(path, $"the header lists tensor '{property.Name}' more than once.", property.Name);
                    }

                    SafeTensorsEntry entry = ParseTensor(property.Name, property.Value, path);
                    tensors.Add(entry);
                    byName.Add(entry.Name, entry);
                }
            }
            catch (JsonException exception)
            {
                throw Malformed(path, $"the header is not valid JSON ({exception.Message})", null, exception);
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
            {
                // Invalid UTF-8 in a property name or string value.
                throw Malformed(path, $"the header is not valid UTF-8 JSON ({exception.Message})", null, exception);
            }

            ValidateLayout(tensors, dataLength, path);
            return new SafeTensorsHeader(tensors, byName, metadata, dataStart);
        }

        private static void ParseMetadata(JsonElement element, Dictionary<string, string> metadata, string path)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(path, $"'{MetadataKey}' is not a JSON object.");
            }

            foreach (JsonProperty entry in element.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw Malformed(path, $"metadata entry '{entry.Name}' is a JSON {entry.Value.ValueKind} but metadata values must be strings.");
                }

                if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                {
                    throw Malformed(path, $"metadata entry '{entry.Name}' appears more than once.");
                }
            }
        }

        private static SafeTensorsEntry ParseTensor(string name, JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(path, $"the entry for tensor '{name}' is a JSON {element.ValueKind}, not an object.", name);
            }

            string? dtype = null;
            int[]? shape = null;
            long begin = -1;
            long end = -1;
            bool sawOffsets = false;
            foreach (JsonProperty property in element.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "dtype":
                        if (dtype is not null)
                        {
                            throw Malformed(path, $"tensor '{name}' has more than one dtype.", name);
                        }

                        if (property.Value.ValueKind != JsonValueKind.String)
                        {
                            throw Malformed(path, $"the dtype of tensor '{name}' is not a string.", name);
                        }

                        dtype = property.Value.GetString()!;
                        break;
                    case "shape":
                        if (shape is not null)
                        {
                            throw Malformed(path, $"tensor '{name}' has more than one shape.", name);
                        }

                        shape = ParseShape(name, property.Value, path);
                        break;
                    case "data_offsets":
                        if (sawOffsets)
                        {
                            throw Malformed(path, $"tensor '{name}' has more than one data_offsets.", name);
                        }

                        sawOffsets = true;
                        (begin, end) = ParseOffsets(name, property.Value, path);
                        break;
                    default:
                        // Unknown keys are ignored, as by the reference implementation.
                        break;
                }
            }

            if (dtype is null || shape is null || !sawOffsets)
            {
                string missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
                throw Malformed(path, $"tensor '{name}' has no {missing}.", name);
            }

            int elementSize = ElementSize(dtype);
            if (elementSize == 0)
            {
                throw Malformed(path, $"tensor '{name}' has unknown dtype '{dtype}'.", name);
            }

            long length = 1;
            foreach (int dimension in shape)
            {
                length *= dimension;
                if (length > int.MaxValue)
                {
                    throw new WeightFileException($"Tensor '{name}' in weight file '{path}' has shape {FormatShape(shape)}, more than {int.MaxValue} elements, which is not supported.", name);
                }
            }

            long expectedBytes = length * elementSize;
            if (end - begin != expectedBytes)
            {
                throw Malformed(path, $"tensor '{name}' ({dtype} {FormatShape(shape)}) needs {expectedBytes} bytes but its data_offsets [{begin}, {end}] span {end - begin}.", name);
            }

            return new SafeTensorsEntry(name, dtype, shape, (int)length, begin, end);
        }

        private static int[] ParseShape(string name, JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Array)
            {
                throw Malformed(path, $"the shape of tensor '{name}' is not an array.", name);
            }

            var shape = new int[element.GetArrayLength()];
            int i = 0;
            foreach (JsonElement dimension in element.EnumerateArray())
            {
                if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out int value) || value < 0)
                {
                    throw Malformed(path, $"dimension {i} of tensor '{name}' is {dimension.GetRawText()}; dimensions must be integers between 0 and {int.MaxValue}.", name);
                }

                shape[i++] = value;
            }

            return shape;
        }

        private static (long Begin, long End) ParseOffsets(string name, JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != 2)
            {
                throw Malformed(path, $"the data_offsets of tensor '{name}' are not an array of two integers.", name);
            }

            JsonElement first = element[0];
            JsonElement second = element[1];
            if (first.ValueKind != JsonValueKind.Number || !first.TryGetInt64(out long begin) || begin < 0
                || second.ValueKind != JsonValueKind.Number || !second.TryGetInt64(out long end) || end < 0)
            {
                throw Malformed(path, $"the data_offsets of tensor '{name}' ({element.GetRawText()}) are not two non-negative integers.", name);
            }

            if (end < begin)
            {
                throw Malformed(path, $"the data_offsets of tensor '{name}' end ({end}) before they begin ({begin}).", name);
            }

            return (begin, end);
        }

        private static void ValidateLayout(List<SafeTensorsEntry> tensors, long dataLength, string path)
        {
            foreach (SafeTensorsEntry entry in tensors)
            {
                if (entry.End > dataLength)
                {
                    throw Malformed(path, $"tensor '{entry.Name}' occupies bytes [{entry.Begin}, {entry.End}) of the data section but it has only {dataLength} bytes; the file is truncated or its offsets are out of range.", entry.Name);
                }
            }

            var sorted = new List<SafeTensorsEntry>(tensors);
            sorted.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long expected = 0;
            SafeTensorsEntry? previous = null;
            foreach (SafeTensorsEntry entry in sorted)
            {
                if (entry.Begin < expected)
                {
                    throw Malformed(path, $"tensor '{entry.Name}' (bytes [{entry.Begin}, {entry.End})) overlaps tensor '{previous!.Name}' (bytes [{previous.Begin}, {previous.End})).", entry.Name);
                }

                if (entry.Begin > expected)
                {
                    throw Malformed(path, $"bytes [{expected}, {entry.Begin}) of the data section, before tensor '{entry.Name}', belong to no tensor.", entry.Name);
                }

                expected = entry.End;
                previous = entry;
            }

            if (expected != dataLength)
            {
                throw Malformed(path, $"the tensors end at byte {expected} of the data section but it has {dataLength} bytes.");
            }
        }
    }
}
