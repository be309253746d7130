using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace RnnGen
{
    /// <summary>
    /// One tensor read from a safetensors file or a PyTorch state_dict: its element type, its shape and
    /// its raw little-endian bytes in row-major order, with conversions to .NET arrays.
    /// </summary>
    public sealed class TensorData
    {
        private readonly byte[] _bytes;

        internal TensorData(string dtype, int[] shape, int length, byte[] bytes)
        {
            DType = dtype;
            Shape = new ReadOnlyCollection<int>(shape);
            Length = length;
            _bytes = bytes;
        }

        /// <summary>
        /// Gets the safetensors element type, for example <c>F32</c>, <c>F64</c>, <c>F16</c>,
        /// <c>BF16</c>, <c>I64</c>, <c>I32</c>, <c>I16</c>, <c>I8</c>, <c>U8</c> or <c>BOOL</c>.
        /// </summary>
        public string DType { get; }

        /// <summary>Gets the dimensions, outermost first. Empty for a scalar.</summary>
        public IReadOnlyList<int> Shape { get; }

        /// <summary>Gets the number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
        public int Length { get; }

        /// <summary>
        /// Converts the elements, in row-major order, to single precision. Supported for the
        /// floating-point types <c>F32</c>, <c>F64</c>, <c>F16</c> and <c>BF16</c> and the integer types
        /// <c>I64</c>, <c>I32</c>, <c>I16</c>, <c>I8</c>, <c>U8</c>; <c>F64</c> and large integers are
        /// rounded to the nearest float.
        /// </summary>
        /// <returns>A new array of <see cref="Length"/> elements.</returns>
        /// <exception cref="NotSupportedException">The element type cannot be converted to float.</exception>
        public float[] ToSingleArray()
        {
            var result = new float[Length];
            ReadOnlySpan<byte> bytes = _bytes;
            switch (DType)
            {
                case "F32":
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4));
                    }

                    break;
                case "F64":
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i * 8));
                    }

                    break;
                case "F16":
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.Slice(i * 2));
                    }

                    break;
                case "BF16":
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(i * 2)) << 16);
                    }

                    break;
                default:
                    long[] integers = ReadIntegers()
                        ?? throw new NotSupportedException($"A tensor of dtype {DType} cannot be converted to float.");
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = integers[i];
                    }

                    break;
            }

            return result;
        }

        /// <summary>
        /// Converts the elements, in row-major order, to 64-bit integers. Supported for the integer
        /// types <c>I64</c>, <c>I32</c>, <c>I16</c>, <c>I8</c> and <c>U8</c>.
        /// </summary>
        /// <returns>A new array of <see cref="Length"/> elements.</returns>
        /// <exception cref="NotSupportedException">The element type is not one of the supported integer types.</exception>
        public long[] ToInt64Array()
        {
            return ReadIntegers()
                ?? throw new NotSupportedException($"A tensor of dtype {DType} cannot be converted to 64-bit integers.");
        }

        private long[]? ReadIntegers()
        {
            ReadOnlySpan<byte> bytes = _bytes;
            var result = new long[Length];
            switch (DType)
            {
                case "I64":
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(i * 8));
                    }

                    return result;
                case "I32":
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(i * 4));
                    }

                    return result;
                case "I16":
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(i * 2));
                    }

                    return result;
                case "I8":
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = (sbyte)bytes[i];
                    }

                    return result;
                case "U8":
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = bytes[i];
                    }

                    return result;
                default:
                    return null;
            }
        }
    }
}
