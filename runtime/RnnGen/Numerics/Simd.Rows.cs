using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Numerics
{
    public static partial class Simd
    {
        /// <summary>
        /// Computes 16 dot products with one weight vector, one per row of <paramref name="h"/>:
        /// <c>y[r·yStride] = b + Σ_c h[r·hStride + c]·w[c·wStride]</c> for r in 0 … 15, each sum taken from
        /// <paramref name="b"/> over c = 0 … k − 1 in order, one <see cref="MultiplyAdd(float, float, float)"/> per
        /// term: bit for bit the scalar loop over each row, with the 16 rows in the lanes of 512-bit vectors
        /// (the rows transposed 16 columns at a time). A dense layer with one output, run over 16 steps of a stream.
        /// </summary>
        /// <param name="h">Row 0's first element. Each row is read up to k rounded up to a multiple of 16 (the columns past k are read and ignored).</param>
        /// <param name="hStride">The distance between rows, in floats: at least k rounded up to a multiple of 16.</param>
        /// <param name="k">The terms of each sum.</param>
        /// <param name="w">The first weight.</param>
        /// <param name="wStride">The distance between weights, in floats.</param>
        /// <param name="b">The bias every sum starts from.</param>
        /// <param name="y">Receives row 0's sum.</param>
        /// <param name="yStride">The distance between the sums written, in floats.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void DotRows16(ref float h, int hStride, int k, ref float w, int wStride, float b, ref float y, int yStride)
        {
            if (!Avx512F.IsSupported)
            {
                DotRowsScalar(16, ref h, hStride, k, ref w, wStride, b, ref y, yStride);
                return;
            }

            Vector512<float> acc = Vector512.Create(b);
            for (int block = 0; block < k; block += 16)
            {
                ref float r = ref Unsafe.Add(ref h, block);
                nuint s = (nuint)hStride;

                Vector512<float> r0 = Vector512.LoadUnsafe(ref r, 0u * s);
                Vector512<float> r1 = Vector512.LoadUnsafe(ref r, 1u * s);
                Vector512<float> r2 = Vector512.LoadUnsafe(ref r, 2u * s);
                Vector512<float> r3 = Vector512.LoadUnsafe(ref r, 3u * s);
                Vector512<float> r4 = Vector512.LoadUnsafe(ref r, 4u * s);
                Vector512<float> r5 = Vector512.LoadUnsafe(ref r, 5u * s);
                Vector512<float> r6 = Vector512.LoadUnsafe(ref r, 6u * s);
                Vector512<float> r7 = Vector512.LoadUnsafe(ref r, 7u * s);
                Vector512<float> r8 = Vector512.LoadUnsafe(ref r, 8u * s);
                Vector512<float> r9 = Vector512.LoadUnsafe(ref r, 9u * s);
                Vector512<float> r10 = Vector512.LoadUnsafe(ref r, 10u * s);
                Vector512<float> r11 = Vector512.LoadUnsafe(ref r, 11u * s);
                Vector512<float> r12 = Vector512.LoadUnsafe(ref r, 12u * s);
                Vector512<float> r13 = Vector512.LoadUnsafe(ref r, 13u * s);
                Vector512<float> r14 = Vector512.LoadUnsafe(ref r, 14u * s);
                Vector512<float> r15 = Vector512.LoadUnsafe(ref r, 15u * s);

                // Rows r and r + 1 interleaved within each 128-bit lane: t(2i) holds columns 4l, 4l + 1 of rows 2i, 2i + 1 in lane l, t(2i + 1) columns 4l + 2, 4l + 3.
                Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
                Vector512<float> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
                Vector512<float> t4 = Avx512F.UnpackLow(r4, r5), t5 = Avx512F.UnpackHigh(r4, r5);
                Vector512<float> t6 = Avx512F.UnpackLow(r6, r7), t7 = Avx512F.UnpackHigh(r6, r7);
                Vector512<float> t8 = Avx512F.UnpackLow(r8, r9), t9 = Avx512F.UnpackHigh(r8, r9);
                Vector512<float> t10 = Avx512F.UnpackLow(r10, r11), t11 = Avx512F.UnpackHigh(r10, r11);
                Vector512<float> t12 = Avx512F.UnpackLow(r12, r13), t13 = Avx512F.UnpackHigh(r12, r13);
                Vector512<float> t14 = Avx512F.UnpackLow(r14, r15), t15 = Avx512F.UnpackHigh(r14, r15);

                // u(4g + j): column 4l + j of rows 4g … 4g + 3 in lane l.
                Vector512<float> u0 = Avx512F.UnpackLow(t0.AsDouble(), t2.AsDouble()).AsSingle(), u1 = Avx512F.UnpackHigh(t0.AsDouble(), t2.AsDouble()).AsSingle();
                Vector512<float> u2 = Avx512F.UnpackLow(t1.AsDouble(), t3.AsDouble()).AsSingle(), u3 = Avx512F.UnpackHigh(t1.AsDouble(), t3.AsDouble()).AsSingle();
                Vector512<float> u4 = Avx512F.UnpackLow(t4.AsDouble(), t6.AsDouble()).AsSingle(), u5 = Avx512F.UnpackHigh(t4.AsDouble(), t6.AsDouble()).AsSingle();
                Vector512<float> u6 = Avx512F.UnpackLow(t5.AsDouble(), t7.AsDouble()).AsSingle(), u7 = Avx512F.UnpackHigh(t5.AsDouble(), t7.AsDouble()).AsSingle();
                Vector512<float> u8 = Avx512F.UnpackLow(t8.AsDouble(), t10.AsDouble()).AsSingle(), u9 = Avx512F.UnpackHigh(t8.AsDouble(), t10.AsDouble()).AsSingle();
                Vector512<float> u10 = Avx512F.UnpackLow(t9.AsDouble(), t11.AsDouble()).AsSingle(), u11 = Avx512F.UnpackHigh(t9.AsDouble(), t11.AsDouble()).AsSingle();
                Vector512<float> u12 = Avx512F.UnpackLow(t12.AsDouble(), t14.AsDouble()).AsSingle(), u13 = Avx512F.UnpackHigh(t12.AsDouble(), t14.AsDouble()).AsSingle();
                Vector512<float> u14 = Avx512F.UnpackLow(t13.AsDouble(), t15.AsDouble()).AsSingle(), u15 = Avx512F.UnpackHigh(t13.AsDouble(), t15.AsDouble()).AsSingle();

                // v(j), v(j + 4) of rows 0 … 7, z(j), z(j + 4) of rows 8 … 15: their lanes hold columns j, j + 8 (and j + 4, j + 12) of rows 0 … 3, then of rows 4 … 7 (or 8 … 11, 12 … 15).
                Vector512<float> v0 = Avx512F.Shuffle4x128(u0, u4, 0x88), v4 = Avx512F.Shuffle4x128(u0, u4, 0xDD);
                Vector512<float> v1 = Avx512F.Shuffle4x128(u1, u5, 0x88), v5 = Avx512F.Shuffle4x128(u1, u5, 0xDD);
                Vector512<float> v2 = Avx512F.Shuffle4x128(u2, u6, 0x88), v6 = Avx512F.Shuffle4x128(u2, u6, 0xDD);
                Vector512<float> v3 = Avx512F.Shuffle4x128(u3, u7, 0x88), v7 = Avx512F.Shuffle4x128(u3, u7, 0xDD);
                Vector512<float> z0 = Avx512F.Shuffle4x128(u8, u12, 0x88), z4 = Avx512F.Shuffle4x128(u8, u12, 0xDD);
                Vector512<float> z1 = Avx512F.Shuffle4x128(u9, u13, 0x88), z5 = Avx512F.Shuffle4x128(u9, u13, 0xDD);
                Vector512<float> z2 = Avx512F.Shuffle4x128(u10, u14, 0x88), z6 = Avx512F.Shuffle4x128(u10, u14, 0xDD);
                Vector512<float> z3 = Avx512F.Shuffle4x128(u11, u15, 0x88), z7 = Avx512F.Shuffle4x128(u11, u15, 0xDD);

                // c(j): column block + j of the 16 rows, row r in lane r.
                Vector512<float> c0 = Avx512F.Shuffle4x128(v0, z0, 0x88), c8 = Avx512F.Shuffle4x128(v0, z0, 0xDD);
                Vector512<float> c1 = Avx512F.Shuffle4x128(v1, z1, 0x88), c9 = Avx512F.Shuffle4x128(v1, z1, 0xDD);
                Vector512<float> c2 = Avx512F.Shuffle4x128(v2, z2, 0x88), c10 = Avx512F.Shuffle4x128(v2, z2, 0xDD);
                Vector512<float> c3 = Avx512F.Shuffle4x128(v3, z3, 0x88), c11 = Avx512F.Shuffle4x128(v3, z3, 0xDD);
                Vector512<float> c4 = Avx512F.Shuffle4x128(v4, z4, 0x88), c12 = Avx512F.Shuffle4x128(v4, z4, 0xDD);
                Vector512<float> c5 = Avx512F.Shuffle4x128(v5, z5, 0x88), c13 = Avx512F.Shuffle4x128(v5, z5, 0xDD);
                Vector512<float> c6 = Avx512F.Shuffle4x128(v6, z6, 0x88), c14 = Avx512F.Shuffle4x128(v6, z6, 0xDD);
                Vector512<float> c7 = Avx512F.Shuffle4x128(v7, z7, 0x88), c15 = Avx512F.Shuffle4x128(v7, z7, 0xDD);

                ref float wb = ref Unsafe.Add(ref w, block * wStride);
                int m = k - block;
                acc = MultiplyAdd(c0, Vector512.Create(Unsafe.Add(ref wb, 0 * wStride)), acc);
                if (m > 1) acc = MultiplyAdd(c1, Vector512.Create(Unsafe.Add(ref wb, 1 * wStride)), acc);
                if (m > 2) acc = MultiplyAdd(c2, Vector512.Create(Unsafe.Add(ref wb, 2 * wStride)), acc);
                if (m > 3) acc = MultiplyAdd(c3, Vector512.Create(Unsafe.Add(ref wb, 3 * wStride)), acc);
                if (m > 4) acc = MultiplyAdd(c4, Vector512.Create(Unsafe.Add(ref wb, 4 * wStride)), acc);
                if (m > 5) acc = MultiplyAdd(c5, Vector512.Create(Unsafe.Add(ref wb, 5 * wStride)), acc);
                if (m > 6) acc = MultiplyAdd(c6, Vector512.Create(Unsafe.Add(ref wb, 6 * wStride)), acc);
                if (m > 7) acc = MultiplyAdd(c7, Vector512.Create(Unsafe.Add(ref wb, 7 * wStride)), acc);
                if (m > 8) acc = MultiplyAdd(c8, Vector512.Create(Unsafe.Add(ref wb, 8 * wStride)), acc);
                if (m > 9) acc = MultiplyAdd(c9, Vector512.Create(Unsafe.Add(ref wb, 9 * wStride)), acc);
                if (m > 10) acc = MultiplyAdd(c10, Vector512.Create(Unsafe.Add(ref wb, 10 * wStride)), acc);
                if (m > 11) acc = MultiplyAdd(c11, Vector512.Create(Unsafe.Add(ref wb, 11 * wStride)), acc);
                if (m > 12) acc = MultiplyAdd(c12, Vector512.Create(Unsafe.Add(ref wb, 12 * wStride)), acc);
                if (m > 13) acc = MultiplyAdd(c13, Vector512.Create(Unsafe.Add(ref wb, 13 * wStride)), acc);
                if (m > 14) acc = MultiplyAdd(c14, Vector512.Create(Unsafe.Add(ref wb, 14 * wStride)), acc);
                if (m > 15) acc = MultiplyAdd(c15, Vector512.Create(Unsafe.Add(ref wb, 15 * wStride)), acc);
            }

            if (yStride == 1)
            {
                acc.StoreUnsafe(ref y);
                return;
            }

            for (int r = 0; r < 16; r++)
            {
                Unsafe.Add(ref y, r * yStride) = acc.GetElement(r);
            }
        }

        /// <summary>
        /// Computes 8 dot products with one weight vector, one per row of <paramref name="h"/>, as
        /// <see cref="DotRows16"/> does for 16: <c>y[r·yStride] = b + Σ_c h[r·hStride + c]·w[c·wStride]</c> for
        /// r in 0 … 7, each sum from <paramref name="b"/> over c in order, the 8 rows in the lanes of 256-bit vectors.
        /// </summary>
        /// <param name="h">Row 0's first element. Each row is read up to k rounded up to a multiple of 8 (the columns past k are read and ignored).</param>
        /// <param name="hStride">The distance between rows, in floats: at least k rounded up to a multiple of 8.</param>
        /// <param name="k">The terms of each sum.</param>
        /// <param name="w">The first weight.</param>
        /// <param name="wStride">The distance between weights, in floats.</param>
        /// <param name="b">The bias every sum starts from.</param>
        /// <param name="y">Receives row 0's sum.</param>
        /// <param name="yStride">The distance between the sums written, in floats.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void DotRows8(ref float h, int hStride, int k, ref float w, int wStride, float b, ref float y, int yStride)
        {
            if (!Avx.IsSupported)
            {
                DotRowsScalar(8, ref h, hStride, k, ref w, wStride, b, ref y, yStride);
                return;
            }

            Vector256<float> acc = Vector256.Create(b);
            for (int block = 0; block < k; block += 8)
            {
                ref float r = ref Unsafe.Add(ref h, block);
                nuint s = (nuint)hStride;

                Vector256<float> r0 = Vector256.LoadUnsafe(ref r, 0u * s);
                Vector256<float> r1 = Vector256.LoadUnsafe(ref r, 1u * s);
                Vector256<float> r2 = Vector256.LoadUnsafe(ref r, 2u * s);
                Vector256<float> r3 = Vector256.LoadUnsafe(ref r, 3u * s);
                Vector256<float> r4 = Vector256.LoadUnsafe(ref r, 4u * s);
                Vector256<float> r5 = Vector256.LoadUnsafe(ref r, 5u * s);
                Vector256<float> r6 = Vector256.LoadUnsafe(ref r, 6u * s);
                Vector256<float> r7 = Vector256.LoadUnsafe(ref r, 7u * s);

                // Rows r and r + 1 interleaved within each 128-bit lane.
                Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
                Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
                Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
                Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

                // u(4g + j): column 4l + j of rows 4g … 4g + 3 in lane l.
                Vector256<float> u0 = Avx.UnpackLow(t0.AsDouble(), t2.AsDouble()).AsSingle(), u1 = Avx.UnpackHigh(t0.AsDouble(), t2.AsDouble()).AsSingle();
                Vector256<float> u2 = Avx.UnpackLow(t1.AsDouble(), t3.AsDouble()).AsSingle(), u3 = Avx.UnpackHigh(t1.AsDouble(), t3.AsDouble()).AsSingle();
                Vector256<float> u4 = Avx.UnpackLow(t4.AsDouble(), t6.AsDouble()).AsSingle(), u5 = Avx.UnpackHigh(t4.AsDouble(), t6.AsDouble()).AsSingle();
                Vector256<float> u6 = Avx.UnpackLow(t5.AsDouble(), t7.AsDouble()).AsSingle(), u7 = Avx.UnpackHigh(t5.AsDouble(), t7.AsDouble()).AsSingle();

                // c(j): column block + j of the 8 rows, row r in lane r.
                Vector256<float> c0 = Avx.Permute2x128(u0, u4, 0x20), c4 = Avx.Permute2x128(u0, u4, 0x31);
                Vector256<float> c1 = Avx.Permute2x128(u1, u5, 0x20), c5 = Avx.Permute2x128(u1, u5, 0x31);
                Vector256<float> c2 = Avx.Permute2x128(u2, u6, 0x20), c6 = Avx.Permute2x128(u2, u6, 0x31);
                Vector256<float> c3 = Avx.Permute2x128(u3, u7, 0x20), c7 = Avx.Permute2x128(u3, u7, 0x31);

                ref float wb = ref Unsafe.Add(ref w, block * wStride);
                int m = k - block;
                acc = MultiplyAdd(c0, Vector256.Create(Unsafe.Add(ref wb, 0 * wStride)), acc);
                if (m > 1) acc = MultiplyAdd(c1, Vector256.Create(Unsafe.Add(ref wb, 1 * wStride)), acc);
                if (m > 2) acc = MultiplyAdd(c2, Vector256.Create(Unsafe.Add(ref wb, 2 * wStride)), acc);
                if (m > 3) acc = MultiplyAdd(c3, Vector256.Create(Unsafe.Add(ref wb, 3 * wStride)), acc);
                if (m > 4) acc = MultiplyAdd(c4, Vector256.Create(Unsafe.Add(ref wb, 4 * wStride)), acc);
                if (m > 5) acc = MultiplyAdd(c5, Vector256.Create(Unsafe.Add(ref wb, 5 * wStride)), acc);
                if (m > 6) acc = MultiplyAdd(c6, Vector256.Create(Unsafe.Add(ref wb, 6 * wStride)), acc);
                if (m > 7) acc = MultiplyAdd(c7, Vector256.Create(Unsafe.Add(ref wb, 7 * wStride)), acc);
            }

            if (yStride == 1)
            {
                acc.StoreUnsafe(ref y);
                return;
            }

            for (int r = 0; r < 8; r++)
            {
                Unsafe.Add(ref y, r * yStride) = acc.GetElement(r);
            }
        }

        /// <summary>The sums of <see cref="DotRows16"/> and <see cref="DotRows8"/> one row at a time, where their instructions are missing.</summary>
        private static void DotRowsScalar(int rows, ref float h, int hStride, int k, ref float w, int wStride, float b, ref float y, int yStride)
        {
            for (int r = 0; r < rows; r++)
            {
                ref float row = ref Unsafe.Add(ref h, r * hStride);
                float acc = b;
                for (int c = 0; c < k; c++)
                {
                    acc = MultiplyAdd(Unsafe.Add(ref row, c), Unsafe.Add(ref w, c * wStride), acc);
                }

                Unsafe.Add(ref y, r * yStride) = acc;
            }
        }
    }
}
