using System;
using System.Linq;
using RnnGen.Numerics;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>
    /// The row copy single-row products read (<see cref="RowPanels"/>): its offsets, and the float32,
    /// bfloat16 and int8 copies written from the packed panels of 32, at this process's vector width.
    /// </summary>
    public sealed class RowPanelsTests
    {
        /// <summary>Shapes with whole panels only, a narrower last panel, and fewer columns than one row panel.</summary>
        public static TheoryData<int, int> Shapes => new()
        {
            { 33, 3 },
            { 64, 2 },
            { 65, 4 },
            { 96, 1 },
            { 128, 5 },
            { 224, 3 },
            { 256, 2 },
            { 300, 3 },
        };

        [Theory]
        [InlineData(32, 70, 3)]
        [InlineData(64, 300, 2)]
        [InlineData(128, 300, 4)]
        [InlineData(128, 65, 3)]
        public void Offset_MapsEveryElementToItsOwnPlace(int width, int n, int k)
        {
            var seen = new bool[n * k];
            for (int r = 0; r < k; r++)
            {
                for (int j = 0; j < n; j++)
                {
                    int e = RowPanels.Offset(r, j, width, n, k);
                    Assert.InRange(e, 0, (n * k) - 1);
                    Assert.False(seen[e]);
                    seen[e] = true;
                }
            }

            // Within a row of a panel, consecutive columns are consecutive floats; row r + 1 follows row r.
            Assert.Equal(RowPanels.Offset(0, 0, width, n, k) + 1, RowPanels.Offset(0, 1, width, n, k));
            Assert.Equal(Math.Min(width, n), RowPanels.Offset(1, 0, width, n, k));
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Pack_PutsEveryWeightAtItsPlaceInTheRowPanels(int n, int k)
        {
            float[] w = Weights(n, k);
            float[] panels = Panels(w, n, k);
            float[] rows = Enumerable.Repeat(float.NaN, n * k).ToArray();
            RowPanels.Pack(ref panels[0], ref rows[0], n, k);

            int width = RowPanels.Width;
            if (width == 0)
            {
                // No product reads a row copy at this width: nothing is written.
                Assert.All(rows, v => Assert.True(float.IsNaN(v)));
                return;
            }

            for (int j = 0; j < n; j++)
            {
                for (int r = 0; r < k; r++)
                {
                    Assert.Equal(w[(j * k) + r], rows[RowPanels.Offset(r, j, width, n, k)]);
                }
            }
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void BFloat16PackRows_ReadBackAsInterleavedPairs_GivesEveryWeightRounded(int n, int k)
        {
            float[] w = Weights(n, k);
            float[] rows = new float[n * k];
            RowPanels.Pack(ref Panels(w, n, k)[0], ref rows[0], n, k);
            ushort[] compact = Enumerable.Repeat((ushort)0xFFFF, n * k).ToArray();
            BFloat16Weights.PackRows(ref rows[0], ref compact[0], n, k);

            int width = RowPanels.Width;
            if (width == 0)
            {
                Assert.All(compact, v => Assert.Equal(0xFFFF, v));
                return;
            }

            // Whole row panels hold pairs of columns W apart in each 2W-column block of a row, as the
            // kernels of width W load them; the narrower last panel holds the plain order.
            int pair = BFloat16Weights.PairDistance;
            int fullEnd = n - (n % width);
            float[] read = new float[n * k];
            for (int p = 0; p < fullEnd; p += width)
            {
                for (int r = 0; r < k; r++)
                {
                    int row = (p * k) + (r * width);
                    for (int c = 0; c < width; c += 2 * pair)
                    {
                        var words = new uint[pair];
                        for (int i = 0; i < pair; i++)
                        {
                            words[i] = (uint)compact[row + c + (2 * i)] | ((uint)compact[row + c + (2 * i) + 1] << 16);
                        }

                        for (int i = 0; i < pair; i++)
                        {
                            read[row + c + i] = BitConverter.UInt32BitsToSingle(words[i] << 16);
                            read[row + c + pair + i] = BitConverter.UInt32BitsToSingle(words[i] & 0xFFFF_0000u);
                        }
                    }
                }
            }

            for (int e = fullEnd * k; e < n * k; e++)
            {
                read[e] = BFloat16Weights.LoadScalar(ref compact[e]);
            }

            for (int e = 0; e < n * k; e++)
            {
                Assert.Equal(BFloat16Weights.ToSingle(BFloat16Weights.FromSingle(rows[e])), read[e]);
            }
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void Int8PackRows_HasThePanelsScalesAndQuantizedWeights(int n, int k)
        {
            float[] w = Weights(n, k);
            float[] panels = Panels(w, n, k);
            float[] rows = new float[n * k];
            RowPanels.Pack(ref panels[0], ref rows[0], n, k);

            sbyte[] q = new sbyte[n * k];
            float[] scales = new float[n];
            Int8Weights.Pack(ref panels[0], ref q[0], ref scales[0], n, k);
            sbyte[] qRows = Enumerable.Repeat(sbyte.MinValue, n * k).ToArray();
            float[] rowScales = Enumerable.Repeat(float.NaN, n).ToArray();
            Int8Weights.PackRows(ref rows[0], ref qRows[0], ref rowScales[0], n, k);

            int width = RowPanels.Width;
            if (width == 0)
            {
                Assert.All(qRows, v => Assert.Equal(sbyte.MinValue, v));
                Assert.All(rowScales, v => Assert.True(float.IsNaN(v)));
                return;
            }

            Assert.Equal(scales, rowScales);
            for (int j = 0; j < n; j++)
            {
                for (int r = 0; r < k; r++)
                {
                    Assert.Equal(q[RowPanels.Offset(r, j, RowPanels.PackedWidth, n, k)], qRows[RowPanels.Offset(r, j, width, n, k)]);
                }
            }
        }

        /// <summary>W [n, k] (row j holds output j's weights), distinct values.</summary>
        private static float[] Weights(int n, int k)
        {
            var random = new Random((n * 31) + k);
            return Enumerable.Range(0, n * k).Select(i => (float)(random.NextDouble() - 0.5) + (i * 1e-3f)).ToArray();
        }

        /// <summary>Wᵀ in the packed panels of 32 columns, as the generated Pack kernels write it.</summary>
        private static float[] Panels(float[] w, int n, int k)
        {
            float[] panels = new float[n * k];
            for (int j = 0; j < n; j++)
            {
                for (int r = 0; r < k; r++)
                {
                    panels[RowPanels.Offset(r, j, RowPanels.PackedWidth, n, k)] = w[(j * k) + r];
                }
            }

            return panels;
        }
    }
}
