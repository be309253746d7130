using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Numerics
{
    /// <summary>
    /// bfloat16 copies of packed weight matrices and the loads that widen them back to float32, for the
    /// generated <c>LinearBFloat16</c> kernels (see <see cref="WeightFormat.BFloat16"/>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// A bfloat16 value is the top half of a float32, so widening is exact and costs one integer
    /// operation: <c>bits &lt;&lt; 16</c>. The generated kernels read Wᵀ in panels of 32 columns (see the
    /// generated <c>Pack</c> kernels). In a whole panel, the bfloat16 copy interleaves each row's columns
    /// in pairs: for vectors of W lanes (the widest accelerated width: 16, 8 or 4), every 2W columns
    /// c … c + 2W − 1 are stored as W 32-bit words, word i holding column c + i in its low half and
    /// column c + W + i in its high half. One load of W words then gives two float vectors, the low
    /// halves shifted up (<c>word &lt;&lt; 16</c>) and the high halves masked (<c>word &amp; 0xFFFF0000</c>):
    /// one integer operation per vector of weights, against a widening shuffle and a shift for the
    /// plain order. The narrower last panel of a matrix whose row count is not a multiple of 32, and
    /// every panel when no vector width is accelerated, keep the plain order.
    /// </para>
    /// <para>
    /// Every element offset is the one of the float32 packed copy, so a bfloat16 copy needs half the
    /// bytes and the same layout constants.
    /// </para>
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class BFloat16Weights
    {
        /// <summary>Columns per packed panel of Wᵀ, as in the generated kernels.</summary>
        public const int PanelWidth = 32;

        /// <summary>
        /// The lanes W of the widest accelerated float vector (16, 8 or 4; 0 when none is), the pairing
        /// distance of whole panels. The generated kernels pick the same width, from the same constants.
        /// </summary>
        public static int PairDistance =>
            Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 0;

        /// <summary>Rounds a float32 to the nearest bfloat16 (ties to even), keeping NaN a NaN and ±∞ infinite.</summary>
        /// <param name="value">The value.</param>
        /// <returns>The bfloat16 bits.</returns>
        public static ushort FromSingle(float value)
        {
            uint bits = BitConverter.SingleToUInt32Bits(value);
            if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u)
            {
                // NaN: keep the sign and set the quiet bit, so rounding cannot carry it into ∞.
                return (ushort)((bits >> 16) | 0x0040u);
            }

            uint rounding = 0x7FFFu + ((bits >> 16) & 1u);
            return (ushort)((bits + rounding) >> 16);
        }

        /// <summary>The float32 value of bfloat16 bits (exact).</summary>
        /// <param name="bits">The bfloat16 bits.</param>
        /// <returns>The value.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

        /// <summary>
        /// Writes the bfloat16 copy of an N × K matrix's packed panels of Wᵀ (the layout the generated
        /// <c>Pack</c> kernels write) in the order the <c>LinearBFloat16</c> kernels read.
        /// </summary>
        /// <param name="panels">The float32 packed panels, N·K floats.</param>
        /// <param name="compact">Receives the N·K bfloat16 values.</param>
        /// <param name="n">Rows of W (columns of Wᵀ).</param>
        /// <param name="k">Columns of W (rows of Wᵀ).</param>
        public static void Pack(ref float panels, ref ushort compact, int n, int k) => Pack(ref panels, ref compact, n, k, PanelWidth);

        /// <summary>
        /// Writes the bfloat16 copy of an N × K matrix's row copy (see <see cref="RowPanels"/>: Wᵀ in panels of
        /// <see cref="RowPanels.Width"/> columns), each whole panel's rows interleaved as in the panels of 32
        /// (nothing when <see cref="RowPanels.Width"/> is 0).
        /// </summary>
        /// <param name="rows">The float32 row copy, N·K floats.</param>
        /// <param name="compact">Receives the N·K bfloat16 values.</param>
        /// <param name="n">Rows of W (columns of Wᵀ).</param>
        /// <param name="k">Columns of W (rows of Wᵀ).</param>
        public static void PackRows(ref float rows, ref ushort compact, int n, int k)
        {
            int width = RowPanels.Width;
            if (width > 0)
            {
                Pack(ref rows, ref compact, n, k, width);
            }
        }

        /// <summary>The bfloat16 copy of Wᵀ in panels of <paramref name="width"/> columns (a multiple of twice <see cref="PairDistance"/>).</summary>
        private static void Pack(ref float panels, ref ushort compact, int n, int k, int width)
        {
            int pair = PairDistance;
            int fullEnd = n - (n % width);
            for (int p = 0; p < fullEnd; p += width)
            {
                for (int r = 0; r < k; r++)
                {
                    int row = (p * k) + (r * width);
                    if (pair == 0)
                    {
                        for (int j = 0; j < width; j++)
                        {
                            Unsafe.Add(ref compact, row + j) = FromSingle(Unsafe.Add(ref panels, row + j));
                        }

                        continue;
                    }

                    for (int block = row; block < row + width; block += 2 * pair)
                    {
                        for (int i = 0; i < pair; i++)
                        {
                            Unsafe.Add(ref compact, block + (2 * i)) = FromSingle(Unsafe.Add(ref panels, block + i));
                            Unsafe.Add(ref compact, block + (2 * i) + 1) = FromSingle(Unsafe.Add(ref panels, block + pair + i));
                        }
                    }
                }
            }

            // The narrower last panel: the plain order.
            for (int e = fullEnd * k; e < n * k; e++)
            {
                Unsafe.Add(ref compact, e) = FromSingle(Unsafe.Add(ref panels, e));
            }
        }

        /// <summary>Columns c … c + 31 of a whole panel's row from 16 interleaved words (see the remarks).</summary>
        /// <param name="source">The first of the 32 bfloat16 values.</param>
        /// <param name="low">Columns c … c + 15.</param>
        /// <param name="high">Columns c + 16 … c + 31.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPairsVector512(ref ushort source, out Vector512<float> low, out Vector512<float> high)
        {
            var words = Vector512.LoadUnsafe(ref Unsafe.As<ushort, uint>(ref source));
            low = Vector512.ShiftLeft(words, 16).AsSingle();
            high = (words & Vector512.Create(0xFFFF_0000u)).AsSingle();
        }

        /// <summary>Columns c … c + 15 of a whole panel's row from 8 interleaved words (see the remarks).</summary>
        /// <param name="source">The first of the 16 bfloat16 values.</param>
        /// <param name="low">Columns c … c + 7.</param>
        /// <param name="high">Columns c + 8 … c + 15.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPairsVector256(ref ushort source, out Vector256<float> low, out Vector256<float> high)
        {
            var words = Vector256.LoadUnsafe(ref Unsafe.As<ushort, uint>(ref source));
            low = Vector256.ShiftLeft(words, 16).AsSingle();
            high = (words & Vector256.Create(0xFFFF_0000u)).AsSingle();
        }

        /// <summary>Columns c … c + 7 of a whole panel's row from 4 interleaved words (see the remarks).</summary>
        /// <param name="source">The first of the 8 bfloat16 values.</param>
        /// <param name="low">Columns c … c + 3.</param>
        /// <param name="high">Columns c + 4 … c + 7.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadPairsVector128(ref ushort source, out Vector128<float> low, out Vector128<float> high)
        {
            var words = Vector128.LoadUnsafe(ref Unsafe.As<ushort, uint>(ref source));
            low = Vector128.ShiftLeft(words, 16).AsSingle();
            high = (words & Vector128.Create(0xFFFF_0000u)).AsSingle();
        }

        /// <summary>16 bfloat16 values in the plain order, widened.</summary>
        /// <param name="source">The first value.</param>
        /// <returns>The float32 values.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> LoadVector512(ref ushort source) =>
            Vector512.ShiftLeft(Vector512.WidenLower(Vector256.LoadUnsafe(ref source).ToVector512Unsafe()), 16).AsSingle();

        /// <summary>8 bfloat16 values in the plain order, widened.</summary>
        /// <param name="source">The first value.</param>
        /// <returns>The float32 values.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> LoadVector256(ref ushort source) =>
            Vector256.ShiftLeft(Vector256.WidenLower(Vector128.LoadUnsafe(ref source).ToVector256Unsafe()), 16).AsSingle();

        /// <summary>4 bfloat16 values in the plain order, widened.</summary>
        /// <param name="source">The first value.</param>
        /// <returns>The float32 values.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> LoadVector128(ref ushort source) =>
            Vector128.ShiftLeft(
                Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<ushort, byte>(ref source))).AsUInt16()),
                16).AsSingle();

        /// <summary>One bfloat16 value, widened.</summary>
        /// <param name="source">The value.</param>
        /// <returns>The float32 value.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float LoadScalar(ref ushort source) => ToSingle(source);
    }
}
