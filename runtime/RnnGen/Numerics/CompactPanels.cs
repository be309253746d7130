using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Numerics
{
    /// <summary>
    /// A compact format of packed weight panels (see <see cref="WeightFormat"/>): how the generated
    /// <c>LinearCompact</c> kernels step through its bytes, widen its values to float32 and finish a
    /// product. The kernels are generic over a struct implementing it, so each format gets its own
    /// compiled code with every member inlined and every property a constant.
    /// </summary>
    /// <remarks>
    /// A compact copy has the element offsets of the float32 packed panels: element e is at byte
    /// e·<see cref="Size"/>. Loads take the address of the first element they read.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public interface ICompactPanels
    {
        /// <summary>Bytes per weight.</summary>
        static abstract int Size { get; }

        /// <summary>
        /// Whether a product is y[j] = s[j]·Σ_k x[k]·Q[k, j] + b[j], with a scale s per column of Wᵀ
        /// (per row of W), rather than y[j] = b[j] + Σ_k x[k]·W[k, j].
        /// </summary>
        static abstract bool Scaled { get; }

        /// <summary>Columns c … c + 31 of a whole panel's row, c a multiple of 32: the first and second 16.</summary>
        /// <param name="source">The first element.</param>
        /// <param name="low">Columns c … c + 15.</param>
        /// <param name="high">Columns c + 16 … c + 31.</param>
        static abstract void LoadPairsVector512(ref byte source, out Vector512<float> low, out Vector512<float> high);

        /// <summary>Columns c … c + 15 of a whole panel's row, c a multiple of 16: the first and second 8.</summary>
        /// <param name="source">The first element.</param>
        /// <param name="low">Columns c … c + 7.</param>
        /// <param name="high">Columns c + 8 … c + 15.</param>
        static abstract void LoadPairsVector256(ref byte source, out Vector256<float> low, out Vector256<float> high);

        /// <summary>Columns c … c + 7 of a whole panel's row, c a multiple of 8: the first and second 4.</summary>
        /// <param name="source">The first element.</param>
        /// <param name="low">Columns c … c + 3.</param>
        /// <param name="high">Columns c + 4 … c + 7.</param>
        static abstract void LoadPairsVector128(ref byte source, out Vector128<float> low, out Vector128<float> high);

        /// <summary>16 consecutive elements of the narrower last panel, widened.</summary>
        /// <param name="source">The first element.</param>
        /// <returns>The float32 values.</returns>
        static abstract Vector512<float> LoadVector512(ref byte source);

        /// <summary>8 consecutive elements of the narrower last panel, widened.</summary>
        /// <param name="source">The first element.</param>
        /// <returns>The float32 values.</returns>
        static abstract Vector256<float> LoadVector256(ref byte source);

        /// <summary>4 consecutive elements of the narrower last panel, widened.</summary>
        /// <param name="source">The first element.</param>
        /// <returns>The float32 values.</returns>
        static abstract Vector128<float> LoadVector128(ref byte source);

        /// <summary>One element, widened (any panel: the scalar kernels read every panel in the plain order).</summary>
        /// <param name="source">The element.</param>
        /// <returns>The float32 value.</returns>
        static abstract float LoadScalar(ref byte source);

        /// <summary>
        /// Finishes a scaled product (see <see cref="Scaled"/>): y[r·yRowStride + j] = bias[r·scaleRowStride + j]
        /// + scale[r·scaleRowStride + j]·y[r·yRowStride + j] for j &lt; columns and r &lt; rows, each a fused
        /// multiply–add where the hardware has one (the same operation whichever vector width takes an element).
        /// Unscaled formats never call it.
        /// </summary>
        /// <param name="y">The sums, replaced by the outputs.</param>
        /// <param name="scale">The scales of the columns.</param>
        /// <param name="bias">The biases of the columns.</param>
        /// <param name="columns">Columns per row.</param>
        /// <param name="rows">Rows.</param>
        /// <param name="yRowStride">Floats from one row of y to the next.</param>
        /// <param name="scaleRowStride">Floats from one row's scales and biases to the next (0: every row shares them).</param>
        static abstract void Rescale(ref float y, ref float scale, ref float bias, int columns, int rows, int yRowStride, int scaleRowStride);
    }

    /// <summary>bfloat16 panels (see <see cref="BFloat16Weights"/>): 2 bytes per weight, pairs of vectors interleaved in whole panels, no scale.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly struct BFloat16Panels : ICompactPanels
    {
        /// <inheritdoc/>
        public static int Size => 2;

        /// <inheritdoc/>
        public static bool Scaled => false;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPairsVector512(ref byte source, out Vector512<float> low, out Vector512<float> high) =>
            BFloat16Weights.LoadPairsVector512(ref Unsafe.As<byte, ushort>(ref source), out low, out high);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPairsVector256(ref byte source, out Vector256<float> low, out Vector256<float> high) =>
            BFloat16Weights.LoadPairsVector256(ref Unsafe.As<byte, ushort>(ref source), out low, out high);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPairsVector128(ref byte source, out Vector128<float> low, out Vector128<float> high) =>
            BFloat16Weights.LoadPairsVector128(ref Unsafe.As<byte, ushort>(ref source), out low, out high);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> LoadVector512(ref byte source) => BFloat16Weights.LoadVector512(ref Unsafe.As<byte, ushort>(ref source));

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> LoadVector256(ref byte source) => BFloat16Weights.LoadVector256(ref Unsafe.As<byte, ushort>(ref source));

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> LoadVector128(ref byte source) => BFloat16Weights.LoadVector128(ref Unsafe.As<byte, ushort>(ref source));

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float LoadScalar(ref byte source) => BFloat16Weights.ToSingle(Unsafe.As<byte, ushort>(ref source));

        /// <inheritdoc/>
        public static void Rescale(ref float y, ref float scale, ref float bias, int columns, int rows, int yRowStride, int scaleRowStride) =>
            throw new NotSupportedException("bfloat16 weights are not scaled.");
    }

    /// <summary>
    /// int8 panels (see <see cref="Int8Weights"/>): 1 byte per weight in the plain order, each column of
    /// Wᵀ (row of W) with its own scale. A vector of W weights is one sign-extending load of W bytes and one
    /// conversion to float32.
    /// </summary>
    /// <remarks>
    /// The loads read through the element's address, so the bytes must not move: a model's compact copy is
    /// native memory; anything else must be pinned.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public readonly struct Int8Panels : ICompactPanels
    {
        /// <inheritdoc/>
        public static int Size => 1;

        /// <inheritdoc/>
        public static bool Scaled => true;

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPairsVector512(ref byte source, out Vector512<float> low, out Vector512<float> high)
        {
            low = LoadVector512(ref source);
            high = LoadVector512(ref Unsafe.Add(ref source, 16));
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPairsVector256(ref byte source, out Vector256<float> low, out Vector256<float> high)
        {
            low = LoadVector256(ref source);
            high = LoadVector256(ref Unsafe.Add(ref source, 8));
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPairsVector128(ref byte source, out Vector128<float> low, out Vector128<float> high)
        {
            low = LoadVector128(ref source);
            high = LoadVector128(ref Unsafe.Add(ref source, 4));
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> LoadVector512(ref byte source)
        {
            if (Avx512F.IsSupported)
            {
                // vpmovsxbd zmm, [16 bytes]; vcvtdq2ps
                return Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref Unsafe.As<byte, sbyte>(ref source))));
            }

            return Vector512.Create(LoadVector256(ref source), LoadVector256(ref Unsafe.Add(ref source, 8)));
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<float> LoadVector256(ref byte source)
        {
            if (Avx2.IsSupported)
            {
                // vpmovsxbd ymm, [8 bytes]; vcvtdq2ps (the compact copy is native memory: its address is fixed)
                return Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32((sbyte*)Unsafe.AsPointer(ref source)));
            }

            return Vector256.Create(LoadVector128(ref source), LoadVector128(ref Unsafe.Add(ref source, 4)));
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<float> LoadVector128(ref byte source)
        {
            if (Sse41.IsSupported)
            {
                // pmovsxbd xmm, [4 bytes]; cvtdq2ps
                return Sse2.ConvertToVector128Single(Sse41.ConvertToVector128Int32((sbyte*)Unsafe.AsPointer(ref source)));
            }

            var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<int>(ref source)).AsSByte();
            return Vector128.ConvertToSingle(Vector128.WidenLower(Vector128.WidenLower(bytes)));
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float LoadScalar(ref byte source) => (sbyte)source;

        /// <inheritdoc/>
        public static void Rescale(ref float y, ref float scale, ref float bias, int columns, int rows, int yRowStride, int scaleRowStride)
        {
            for (int r = 0; r < rows; r++)
            {
                ref float yr = ref Unsafe.Add(ref y, r * yRowStride);
                ref float sr = ref Unsafe.Add(ref scale, r * scaleRowStride);
                ref float br = ref Unsafe.Add(ref bias, r * scaleRowStride);
                int j = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    for (; j + 16 <= columns; j += 16)
                    {
                        Simd.MultiplyAdd(Vector512.LoadUnsafe(ref yr, (nuint)j), Vector512.LoadUnsafe(ref sr, (nuint)j), Vector512.LoadUnsafe(ref br, (nuint)j)).StoreUnsafe(ref yr, (nuint)j);
                    }
                }

                if (Vector256.IsHardwareAccelerated)
                {
                    for (; j + 8 <= columns; j += 8)
                    {
                        Simd.MultiplyAdd(Vector256.LoadUnsafe(ref yr, (nuint)j), Vector256.LoadUnsafe(ref sr, (nuint)j), Vector256.LoadUnsafe(ref br, (nuint)j)).StoreUnsafe(ref yr, (nuint)j);
                    }
                }

                if (Vector128.IsHardwareAccelerated)
                {
                    for (; j + 4 <= columns; j += 4)
                    {
                        Simd.MultiplyAdd(Vector128.LoadUnsafe(ref yr, (nuint)j), Vector128.LoadUnsafe(ref sr, (nuint)j), Vector128.LoadUnsafe(ref br, (nuint)j)).StoreUnsafe(ref yr, (nuint)j);
                    }
                }

                for (; j < columns; j++)
                {
                    Unsafe.Add(ref yr, j) = Simd.MultiplyAdd(Unsafe.Add(ref yr, j), Unsafe.Add(ref sr, j), Unsafe.Add(ref br, j));
                }
            }
        }
    }
}
