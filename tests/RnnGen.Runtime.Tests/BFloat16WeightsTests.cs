using System;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using RnnGen.Numerics;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>The bfloat16 rounding and the panel layout the generated bfloat16 kernels read.</summary>
    public sealed class BFloat16WeightsTests
    {
        private static string FixturePath(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);

        /// <summary>
        /// Rounding to nearest even gives torch's <c>tensor.to(torch.bfloat16)</c> bit for bit on the Mixed
        /// module's parameters (pt-expected.safetensors holds torch's bfloat16 values as float32).
        /// </summary>
        [Fact]
        public void FromSingle_RoundsAsTorchDoes()
        {
            var module = SafeTensors.ReadAll(FixturePath("Mixed.state_dict.safetensors"));
            var expected = SafeTensors.ReadAll(FixturePath("pt-expected.safetensors"));
            int compared = 0;
            foreach (var (name, tensor) in module)
            {
                float[] values = tensor.ToSingleArray();
                float[] torch = expected["bf16." + name].ToSingleArray();
                for (int i = 0; i < values.Length; i++)
                {
                    Assert.Equal(BitConverter.SingleToUInt32Bits(torch[i]), BitConverter.SingleToUInt32Bits(BFloat16Weights.ToSingle(BFloat16Weights.FromSingle(values[i]))));
                }

                compared += values.Length;
            }

            Assert.True(compared > 1000);
        }

        [Theory]
        [InlineData(0x3F80_0000u, (ushort)0x3F80)] // 1 is exact
        [InlineData(0x3F80_8000u, (ushort)0x3F80)] // halfway, even below: stays
        [InlineData(0x3F81_8000u, (ushort)0x3F82)] // halfway, odd below: rounds up to even
        [InlineData(0x3F80_8001u, (ushort)0x3F81)] // above halfway: up
        [InlineData(0xBF80_7FFFu, (ushort)0xBF80)] // below halfway, negative: down in magnitude
        [InlineData(0x7F7F_FFFFu, (ushort)0x7F80)] // float.MaxValue rounds to +∞
        [InlineData(0xFF80_0000u, (ushort)0xFF80)] // −∞ stays
        [InlineData(0x0000_0001u, (ushort)0x0000)] // the smallest subnormal rounds to 0
        [InlineData(0x8000_0000u, (ushort)0x8000)] // −0 keeps its sign
        public void FromSingle_RoundsToNearestEven(uint bits, ushort expected) =>
            Assert.Equal(expected, BFloat16Weights.FromSingle(BitConverter.UInt32BitsToSingle(bits)));

        [Theory]
        [InlineData(0x7FC0_0000u)]
        [InlineData(0x7F80_0001u)] // a signalling NaN whose payload lies only in the low half
        [InlineData(0xFFFF_FFFFu)]
        public void FromSingle_KeepsNaNANaN(uint bits) =>
            Assert.True(float.IsNaN(BFloat16Weights.ToSingle(BFloat16Weights.FromSingle(BitConverter.UInt32BitsToSingle(bits)))));

        /// <summary>
        /// Pack's layout read back with the loads the kernels use at this process's widest vector width:
        /// the pairs of whole panels and the plain order of the narrower last panel give every element of
        /// the float32 panels, rounded. N = 70 has two whole panels and one of 6 columns.
        /// </summary>
        [Theory]
        [InlineData(70, 3)]
        [InlineData(32, 5)]
        [InlineData(7, 2)]
        public void Pack_ReadBackWithTheKernelsLoads_GivesEveryWeightRounded(int n, int k)
        {
            var random = new Random(n * k);
            float[] panels = Enumerable.Range(0, n * k).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            ushort[] compact = new ushort[n * k];
            BFloat16Weights.Pack(ref panels[0], ref compact[0], n, k);

            int pair = BFloat16Weights.PairDistance;
            int fullEnd = n - (n % BFloat16Weights.PanelWidth);
            float[] read = new float[n * k];
            for (int p = 0; p < fullEnd; p += BFloat16Weights.PanelWidth)
            {
                for (int r = 0; r < k; r++)
                {
                    int row = (p * k) + (r * BFloat16Weights.PanelWidth);
                    for (int c = 0; c < BFloat16Weights.PanelWidth; c += Math.Max(2 * pair, 1))
                    {
                        ReadPair(compact, row + c, pair, read);
                    }
                }
            }

            for (int e = fullEnd * k; e < n * k; e++)
            {
                read[e] = BFloat16Weights.LoadScalar(ref compact[e]);
            }

            for (int e = 0; e < n * k; e++)
            {
                Assert.Equal(BFloat16Weights.ToSingle(BFloat16Weights.FromSingle(panels[e])), read[e]);
            }
        }

        /// <summary>The 2W columns from <paramref name="at"/> on, as the kernel of width W loads them (one column for the scalar kernels).</summary>
        private static void ReadPair(ushort[] compact, int at, int pair, float[] read)
        {
            switch (pair)
            {
                case 16:
                    BFloat16Weights.LoadPairsVector512(ref compact[at], out var low16, out var high16);
                    low16.CopyTo(read, at);
                    high16.CopyTo(read, at + 16);
                    break;
                case 8:
                    BFloat16Weights.LoadPairsVector256(ref compact[at], out var low8, out var high8);
                    low8.CopyTo(read, at);
                    high8.CopyTo(read, at + 8);
                    break;
                case 4:
                    BFloat16Weights.LoadPairsVector128(ref compact[at], out var low4, out var high4);
                    low4.CopyTo(read, at);
                    high4.CopyTo(read, at + 4);
                    break;
                default:
                    read[at] = BFloat16Weights.LoadScalar(ref compact[at]);
                    break;
            }
        }

        [Fact]
        public void PlainLoads_WidenEachValue()
        {
            ushort[] values = Enumerable.Range(0, 16).Select(i => BFloat16Weights.FromSingle((i * 0.37f) - 2.5f)).ToArray();
            float[] expected = values.Select(BFloat16Weights.ToSingle).ToArray();
            Assert.Equal(expected, Read(BFloat16Weights.LoadVector512(ref values[0])));
            Assert.Equal(expected.Take(8), Read(BFloat16Weights.LoadVector256(ref values[0])));
            Assert.Equal(expected.Take(4), Read(BFloat16Weights.LoadVector128(ref values[0])));
            Assert.Equal(expected[3], BFloat16Weights.LoadScalar(ref values[3]));
        }

        private static float[] Read(Vector512<float> v) => Enumerable.Range(0, 16).Select(i => v.GetElement(i)).ToArray();

        private static float[] Read(Vector256<float> v) => Enumerable.Range(0, 8).Select(i => v.GetElement(i)).ToArray();

        private static float[] Read(Vector128<float> v) => Enumerable.Range(0, 4).Select(i => v.GetElement(i)).ToArray();
    }
}
