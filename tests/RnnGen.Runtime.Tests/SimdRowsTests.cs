using System;
using RnnGen.Numerics;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>
    /// <see cref="Simd.DotRows16"/> and <see cref="Simd.DotRows8"/> give, bit for bit, the scalar loop each
    /// row's sum stands for (from the bias over the columns in order), on every tier the tests run on.
    /// </summary>
    public class SimdRowsTests
    {
        public static TheoryData<int, int, int, int> Shapes()
        {
            var data = new TheoryData<int, int, int, int>();
            foreach (int rows in new[] { 16, 8 })
            {
                foreach (int k in new[] { 1, 7, 8, 15, 16, 17, 32, 40, 64 })
                {
                    data.Add(rows, k, 1, 1);
                    data.Add(rows, k, 3, 2);
                }
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void EveryRowIsTheScalarSumInColumnOrder(int rows, int k, int wStride, int yStride)
        {
            var random = new RandomSource((ulong)((rows * 1000) + (k * 10) + wStride));
            int hStride = (k + rows - 1) / rows * rows;
            var h = new float[rows * hStride];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < hStride; c++)
                {
                    // The columns past k are read and must not count: NaN there would show in any sum that used them.
                    h[(r * hStride) + c] = c < k ? random.NextGaussian() : float.NaN;
                }
            }

            var w = new float[k * wStride];
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = random.NextGaussian();
            }

            float b = random.NextGaussian();

            // One guard after the last sum written: nothing past it changes.
            var y = new float[(rows * yStride) + 1];
            y.AsSpan().Fill(-7f);
            if (rows == 16)
            {
                Simd.DotRows16(ref h[0], hStride, k, ref w[0], wStride, b, ref y[0], yStride);
            }
            else
            {
                Simd.DotRows8(ref h[0], hStride, k, ref w[0], wStride, b, ref y[0], yStride);
            }

            for (int r = 0; r < rows; r++)
            {
                float expected = b;
                for (int c = 0; c < k; c++)
                {
                    expected = Simd.MultiplyAdd(h[(r * hStride) + c], w[c * wStride], expected);
                }

                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(y[r * yStride]));
                for (int gap = 1; gap < yStride; gap++)
                {
                    Assert.Equal(-7f, y[(r * yStride) + gap]);
                }
            }

            Assert.Equal(-7f, y[^1]);
        }
    }
}
