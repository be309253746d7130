using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace RnnGen
{
    /// <summary>
    /// Reads PyTorch <c>state_dict</c> files, as <c>torch.save(model.state_dict(), "model.pt")</c>
    /// writes them (the zip format PyTorch uses since 1.6), without Python.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Such a file is a zip archive holding <c>{name}/data.pkl</c>, a pickle of the dict of tensors,
    /// and <c>{name}/data/{key}</c>, the raw bytes of each storage the tensors view. The pickle is read
    /// by a restricted reader that runs no code and accepts only what a state_dict of floating-point
    /// tensors contains: <c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c> (and
    /// <c>_rebuild_parameter</c>), and float32, float16, bfloat16 or float64 storages. Tensors may be any
    /// view of their storage (offset and strides, shared storages); each is read in row-major order.
    /// </para>
    /// <para>
    /// Generated models load these files with <c>model.Load("model.pt")</c>: <see cref="SafeTensors.Load(string, IReadOnlyList{Parameter}, bool)"/>
    /// recognises the archive. Every problem is a <see cref="WeightFileException"/> that names the file
    /// and, where one is involved, the tensor; nothing is written to the parameters unless the whole
    /// file matches them.
    /// </para>
    /// </remarks>
    public static class PyTorchStateDict
    {
        /// <summary>Whether <paramref name="header"/>, the first bytes of a file, starts a zip archive (as PyTorch's files do).</summary>
        internal static bool IsArchive(ReadOnlySpan<byte> header) =>
            header.Length >= 4 && header[0] == (byte)'P' && header[1] == (byte)'K' && header[2] == 3 && header[3] == 4;

        /// <summary>Whether <paramref name="header"/> starts a pickle: PyTorch's format from before 1.6.</summary>
        internal static bool IsLegacyPickle(ReadOnlySpan<byte> header) => header.Length >= 2 && header[0] == 0x80 && header[1] <= 5;

        /// <summary>Reads every tensor of a PyTorch state_dict file.</summary>
        /// <param name="path">The <c>.pt</c> file.</param>
        /// <returns>The tensors by name (ordinal comparison), each in row-major order with a safetensors dtype
        /// name (<c>F32</c>, <c>F16</c>, <c>BF16</c> or <c>F64</c>).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
        /// <exception cref="WeightFileException">The file is not a state_dict archive this reader accepts.</exception>
        /// <exception cref="IOException">The file could not be read.</exception>
        public static IReadOnlyDictionary<string, TensorData> ReadAll(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            var result = new Dictionary<string, TensorData>(StringComparer.Ordinal);
            foreach (var (name, tensor) in Read(path))
            {
                result.Add(name, tensor);
            }

            return new ReadOnlyDictionary<string, TensorData>(result);
        }

        /// <summary>
        /// Reads the tensors matching <paramref name="list"/> exactly (names and shapes, as PyTorch's
        /// <c>load_state_dict(strict=True)</c>) into new float arrays, converting float16, bfloat16 and
        /// float64 to float32 as <c>load_state_dict</c> does.
        /// </summary>
        internal static float[][] ReadStaged(string path, TensorSpec[] list, bool allowNonFinite)
        {
            List<KeyValuePair<string, TensorData>> tensors = Read(path);
            var byName = new Dictionary<string, TensorData>(StringComparer.Ordinal);
            foreach (var (name, tensor) in tensors)
            {
                byName.Add(name, tensor);
            }

            SafeTensors.CheckNames(path, list, byName.ContainsKey, tensors.ConvertAll(t => t.Key));
            var staged = new float[list.Length][];
            for (int i = 0; i < list.Length; i++)
            {
                TensorData tensor = byName[list[i].Name];
                SafeTensors.RequireShape(path, list[i].Name, tensor.Shape, list[i].Shape);
                float[] values = tensor.ToSingleArray();
                if (!allowNonFinite)
                {
                    SafeTensors.RequireFinite(path, list[i].Name, values, converted: tensor.DType == "F64");
                }

                staged[i] = values;
            }

            return staged;
        }

        private static List<KeyValuePair<string, TensorData>> Read(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> header = stackalloc byte[4];
            int got = stream.ReadAtLeast(header, 4, throwOnEndOfStream: false);
            if (!IsArchive(header[..got]))
            {
                throw new WeightFileException(IsLegacyPickle(header[..got])
                    ? $"'{path}' is in PyTorch's format from before version 1.6 (a bare pickle); save it again with a current PyTorch (torch.save writes a zip archive), or as safetensors."
                    : $"'{path}' is not a PyTorch file (a zip archive written by torch.save).");
            }

            stream.Position = 0;
            try
            {
                using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
                return ReadArchive(archive, path);
            }
            catch (InvalidDataException e)
            {
                throw new WeightFileException($"'{path}' is not a readable zip archive: {e.Message}", e);
            }
        }

        private static List<KeyValuePair<string, TensorData>> ReadArchive(ZipArchive archive, string path)
        {
            // The pickle sits at {prefix}/data.pkl, where the prefix is a name torch.save chose.
            ZipArchiveEntry? pickle = null;
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                string name = entry.FullName;
                int slash = name.IndexOf('/');
                if (slash > 0 && name.AsSpan(slash + 1).SequenceEqual("data.pkl"))
                {
                    if (pickle is not null)
                    {
                        throw new WeightFileException($"'{path}' holds more than one data.pkl ('{pickle.FullName}' and '{name}').");
                    }

                    pickle = entry;
                }
            }

            if (pickle is null)
            {
                throw new WeightFileException($"'{path}' is a zip archive without the data.pkl that torch.save writes.");
            }

            string prefix = pickle.FullName.Substring(0, pickle.FullName.Length - "data.pkl".Length);
            // Written by PyTorch 1.10 and later; earlier files are little-endian.
            if (archive.GetEntry(prefix + "byteorder") is { } byteOrder
                && (byteOrder.Length > 16 || Encoding.ASCII.GetString(Bytes(byteOrder, path, "byteorder")).Trim() != "little"))
            {
                throw new WeightFileException($"'{path}' is big-endian, or its byteorder entry does not say 'little'; only little-endian files are read.");
            }

            var tensors = StateDictPickle.Read(Bytes(pickle, path, "data.pkl"), path);
            var storages = new Dictionary<string, (string DType, byte[] Bytes)>(StringComparer.Ordinal);
            var result = new List<KeyValuePair<string, TensorData>>(tensors.Count);
            foreach (var (name, tensor) in tensors)
            {
                StateDictPickle.Storage storage = tensor.Storage;
                if (!storages.TryGetValue(storage.Key, out var bytes))
                {
                    ZipArchiveEntry entry = archive.GetEntry(prefix + "data/" + storage.Key)
                        ?? throw new WeightFileException($"'{path}': the storage '{storage.Key}' of tensor '{name}' is not in the archive.", name);
                    bytes = (storage.DType, Bytes(entry, path, "storage " + storage.Key));
                    storages.Add(storage.Key, bytes);
                }

                if (bytes.DType != storage.DType)
                {
                    throw new WeightFileException($"'{path}': the storage '{storage.Key}' is read as both {bytes.DType} and {storage.DType}.", name);
                }

                result.Add(new KeyValuePair<string, TensorData>(name, View(path, name, tensor, bytes.Bytes)));
            }

            return result;
        }

        /// <summary>The elements <paramref name="tensor"/> views in <paramref name="storage"/>, copied in row-major order.</summary>
        private static TensorData View(string path, string name, StateDictPickle.Tensor tensor, byte[] storage)
        {
            int size = SafeTensorsHeader.ElementSize(tensor.Storage.DType);
            if (storage.LongLength != tensor.Storage.Elements * size)
            {
                throw new WeightFileException($"'{path}': the storage of tensor '{name}' holds {storage.LongLength} bytes, but the pickle says {tensor.Storage.Elements} elements of {size} bytes.", name);
            }

            // Row-major element count, and the farthest element the view reaches: the offset plus, for
            // each dimension, its stride times its last index (Int128: no product overflows).
            long count = 1;
            Int128 last = tensor.Offset;
            var shape = new int[tensor.Size.Length];
            bool contiguous = true;
            long expectedStride = 1;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (tensor.Size[d] > int.MaxValue / 8 || (count *= tensor.Size[d]) > int.MaxValue / 8)
                {
                    throw new WeightFileException($"'{path}': tensor '{name}' is too large to read.", name);
                }

                shape[d] = (int)tensor.Size[d];
                last += (Int128)Math.Max(0, tensor.Size[d] - 1) * tensor.Stride[d];
                contiguous &= tensor.Size[d] == 1 || tensor.Stride[d] == expectedStride;
                expectedStride *= tensor.Size[d];
            }

            if (count > 0 && last >= tensor.Storage.Elements)
            {
                throw new WeightFileException($"'{path}': tensor '{name}' (shape {SafeTensorsHeader.FormatShape(shape)}, offset {tensor.Offset}) reaches past its storage of {tensor.Storage.Elements} elements.", name);
            }

            var bytes = new byte[count * size];
            if (count > 0 && contiguous)
            {
                Buffer.BlockCopy(storage, (int)(tensor.Offset * size), bytes, 0, bytes.Length);
            }
            else if (count > 0)
            {
                var index = new long[shape.Length];
                long source = tensor.Offset;
                for (long i = 0; i < count; i++)
                {
                    Buffer.BlockCopy(storage, (int)(source * size), bytes, (int)(i * size), size);

                    // The next row-major index: increment the last dimension, carrying into earlier ones.
                    for (int d = shape.Length - 1; d >= 0; d--)
                    {
                        if (++index[d] < shape[d])
                        {
                            source += tensor.Stride[d];
                            break;
                        }

                        source -= (index[d] - 1) * tensor.Stride[d];
                        index[d] = 0;
                    }
                }
            }

            return new TensorData(tensor.Storage.DType, shape, (int)count, bytes);
        }

        private static byte[] Bytes(ZipArchiveEntry entry, string path, string what)
        {
            if (entry.Length > int.MaxValue)
            {
                throw new WeightFileException($"'{path}': {what} is larger than 2 GB.");
            }

            var bytes = new byte[entry.Length];
            try
            {
                using Stream stream = entry.Open();
                stream.ReadExactly(bytes);
                if (stream.ReadByte() >= 0)
                {
                    throw new WeightFileException($"'{path}': {what} is longer than the archive's directory says.");
                }
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                throw new WeightFileException($"'{path}': {what} cannot be read from the archive: {e.Message}", e);
            }

            return bytes;
        }
    }
}
