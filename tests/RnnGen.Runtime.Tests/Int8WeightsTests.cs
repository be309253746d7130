using System;
using System.Runtime.Intrinsics;
using RnnGen.Numerics;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>The int8 quantization, the loads and the rescaling the generated int8 kernels use.</summary>
    public sealed class Int8WeightsTests
    {
        /// <summary>
        /// Pack quantizes every row of W with its own scale max|W[j, :]|/127, rounding to nearest even, and
        /// writes each value at its element's offset in the panels; a row of zeros gets the scale 0.
        /// </summary>
        [Theory]
        [InlineData(70, 9)]
        [InlineData(32, 5)]
        [InlineData(7, 3)]
        public void Pack_QuantizesEachRowWithItsScale(int n, int k)
        {
            var random = new Random(n * 100 + k);
            var w = new float[n * k];
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = (float)((random.NextDouble() * 2) - 1) * (1 + (i % 5));
            }

            // Row 1 all zeros; row 2's largest magnitude negative.
            w.AsSpan(k, k).Clear();
            w[(2 * k) + 1] = -50f;

            float[] panels = PackPanels(w, n, k);
            var compact = new sbyte[n * k];
            var scales = new float[n];
            Int8Weights.Pack(ref panels[0], ref compact[0], ref scales[0], n, k);

            for (int j = 0; j < n; j++)
            {
                float max = 0;
                for (int c = 0; c < k; c++)
                {
                    max = Math.Max(max, Math.Abs(w[(j * k) + c]));
                }

                Assert.Equal(max / 127f, scales[j]);
                for (int c = 0; c < k; c++)
                {
                    float value = w[(j * k) + c];
                    sbyte q = compact[PanelOffset(n, k, j, c)];
                    if (max == 0)
                    {
                        Assert.Equal(0, q);
                        continue;
                    }

                    Assert.Equal((sbyte)Math.Round(value / scales[j], MidpointRounding.ToEven), q);
                    Assert.True(Math.Abs((q * (double)scales[j]) - value) <= (scales[j] / 2) * (1 + 1e-6), $"row {j}, column {c}: {value} became {q}·{scales[j]}.");
                    if (Math.Abs(value) == max)
                    {
                        Assert.Equal(127, Math.Abs((int)q));
                    }
                }
            }

            Assert.Equal(0f, scales[1]);
            Assert.Equal(-127, compact[PanelOffset(n, k, 2, 1)]);
        }

        [Theory]
        [InlineData(0.5f, 1f, 0)] // ties to even
        [InlineData(1.5f, 1f, 2)]
        [InlineData(-2.5f, 1f, -2)]
        [InlineData(300f, 1f, 127)] // clamped
        [InlineData(-300f, 1f, -127)]
        [InlineData(5f, 0f, 0)] // a row of zeros has the scale 0
        public void Quantize_RoundsToNearestEvenWithinTheLevels(float value, float scale, int expected) =>
            Assert.Equal(expected, Int8Weights.Quantize(value, scale));

        /// <summary>Every load of <see cref="Int8Panels"/> the process's widths accelerate widens each byte in the plain order.</summary>
        [Fact]
        public void Loads_WidenEachByteInOrder()
        {
            // Pinned: the 256- and 128-bit loads read through the element's address, as from the native compact copy.
            var bytes = GC.AllocateArray<byte>(64, pinned: true);
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(sbyte)(i * 37 % 255 - 127);
            }

            float Expected(int i) => (sbyte)bytes[i];
            ref byte at = ref bytes[5];
            if (Vector512.IsHardwareAccelerated)
            {
                Int8Panels.LoadPairsVector512(ref at, out var low, out var high);
                var plain = Int8Panels.LoadVector512(ref at);
                for (int i = 0; i < 16; i++)
                {
                    Assert.Equal(Expected(5 + i), low[i]);
                    Assert.Equal(Expected(21 + i), high[i]);
                    Assert.Equal(Expected(5 + i), plain[i]);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                Int8Panels.LoadPairsVector256(ref at, out var low, out var high);
                var plain = Int8Panels.LoadVector256(ref at);
                for (int i = 0; i < 8; i++)
                {
                    Assert.Equal(Expected(5 + i), low[i]);
                    Assert.Equal(Expected(13 + i), high[i]);
                    Assert.Equal(Expected(5 + i), plain[i]);
                }
            }

            {
                Int8Panels.LoadPairsVector128(ref at, out var low, out var high);
                var plain = Int8Panels.LoadVector128(ref at);
                for (int i = 0; i < 4; i++)
                {
                    Assert.Equal(Expected(5 + i), low[i]);
                    Assert.Equal(Expected(9 + i), high[i]);
                    Assert.Equal(Expected(5 + i), plain[i]);
                }
            }

            for (int i = 0; i < bytes.Length; i++)
            {
                Assert.Equal(Expected(i), Int8Panels.LoadScalar(ref bytes[i]));
            }
        }

        /// <summary>
        /// Rescale gives, for every element, the scalar multiply–add of <see cref="Simd"/>, bit for bit,
        /// whichever vector width takes it, with shared scales (stride 0) and with per-row ones.
        /// </summary>
        [Theory]
        [InlineData(37, 3, 40, 0)]
        [InlineData(64, 4, 128, 128)]
        [InlineData(5, 2, 5, 5)]
        public void Rescale_IsTheScalarMultiplyAddOfEveryElement(int columns, int rows, int yRowStride, int scaleRowStride)
        {
            var random = new Random(columns + rows);
            float[] Values(int count)
            {
                var v = new float[count];
                for (int i = 0; i < count; i++)
                {
                    v[i] = (float)(random.NextDouble() * 4) - 2;
                }

                return v;
            }

            float[] y = Values((rows * yRowStride) + 1);
            int shared = scaleRowStride == 0 ? columns : rows * scaleRowStride;
            float[] scale = Values(shared), bias = Values(shared);
            float[] expected = (float[])y.Clone();
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < columns; j++)
                {
                    int s = (r * scaleRowStride) + j;
                    expected[(r * yRowStride) + j] = Simd.MultiplyAdd(y[(r * yRowStride) + j], scale[s], bias[s]);
                }
            }

            Int8Panels.Rescale(ref y[0], ref scale[0], ref bias[0], columns, rows, yRowStride, scaleRowStride);
            Assert.Equal(expected, y);
        }

        [Fact]
        public void BFloat16_IsNotScaled()
        {
            Assert.False(BFloat16Panels.Scaled);
            Assert.True(Int8Panels.Scaled);
            float y = 1;
            Assert.Throws<NotSupportedException>(() => BFloat16Panels.Rescale(ref y, ref y, ref y, 1, 1, 1, 0));
        }

        /// <summary>W [n, k] as the generated Pack kernels lay it out: panels of 32 columns of Wᵀ.</summary>
        private static float[] PackPanels(float[] w, int n, int k)
        {
            var panels = new float[n * k];
            for (int j = 0; j < n; j++)
            {
                for (int c = 0; c < k; c++)
                {
                    panels[PanelOffset(n, k, j, c)] = w[(j * k) + c];
                }
            }

            return panels;
        }

        /// <summary>Element (c, j) of Wᵀ: panel p = j − j mod 32 at p·k, then row c of the panel's width.</summary>
        private static int PanelOffset(int n, int k, int j, int c)
        {
            int p = j - (j % 32);
            int width = Math.Min(32, n - p);
            return (p * k) + (c * width) + (j - p);
        }
    }
}
