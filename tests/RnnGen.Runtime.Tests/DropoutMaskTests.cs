using System;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>
    /// The dropout masks of generated models. Exact agreement with the fixture script's reimplementation
    /// is checked in RnnGen.Models.Tests (DropoutTests); these are the statistical and API properties.
    /// </summary>
    public class DropoutMaskTests
    {
        private const int N = 1_000_000;

        // Five standard errors: a correct hash fails with probability below 1e-6, and the keys are fixed.
        private const double StandardErrors = 5.0;

        [Theory]
        [InlineData(0.0, 0u)]
        [InlineData(0.25, 4194304u)]
        [InlineData(0.5, 8388608u)]
        [InlineData(0.999999, 16777199u)]
        public void Threshold_IsRoundedPTimesTwoToThe24(double p, uint expected)
        {
            Assert.Equal(expected, DropoutMask.Threshold(p));
        }

        [Theory]
        [InlineData(-0.1)]
        [InlineData(1.0)]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        public void Threshold_RejectsProbabilitiesOutsideZeroToOne(double p)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMask.Threshold(p));
        }

        [Theory]
        [InlineData(0.1)]
        [InlineData(0.25)]
        [InlineData(0.5)]
        [InlineData(0.9)]
        public void DropsAFractionP_AndScalesTheRestByOneOverOneMinusP(double p)
        {
            float scale = (float)(1.0 / (1.0 - p));
            var (source, mask, destination) = Run(DropoutMask.Key(7, 3, 1), p);
            int dropped = 0;
            for (int i = 0; i < N; i++)
            {
                if (mask[i] == 0f)
                {
                    dropped++;
                }
                else
                {
                    Assert.Equal(scale, mask[i]);
                }

                Assert.Equal(source[i] * mask[i], destination[i]);
            }

            double sigma = Math.Sqrt(p * (1 - p) / N);
            Assert.InRange(dropped / (double)N, p - (StandardErrors * sigma), p + (StandardErrors * sigma));
        }

        [Fact]
        public void ProbabilityZero_KeepsEverything()
        {
            var (source, mask, destination) = Run(DropoutMask.Key(1, 0, 0), 0.0);
            Assert.All(mask, m => Assert.Equal(1f, m));
            Assert.Equal(source, destination);
        }

        [Fact]
        public void APositionsMaskDoesNotDependOnHowTheSiteIsSplit()
        {
            ulong key = DropoutMask.Key(11, 5, 2);
            uint threshold = DropoutMask.Threshold(0.3);
            float scale = (float)(1.0 / 0.7);
            var source = new float[1000];
            source.AsSpan().Fill(1f);
            var whole = new float[1000];
            DropoutMask.Apply(key, 0, threshold, scale, source, whole, new float[1000]);

            // The shares of two and three workers, split at arbitrary points.
            foreach (int[] cuts in new[] { new[] { 0, 500, 1000 }, new[] { 0, 333, 334, 1000 }, new[] { 0, 7, 999, 1000 } })
            {
                var pieces = new float[1000];
                for (int k = 0; k + 1 < cuts.Length; k++)
                {
                    int start = cuts[k], length = cuts[k + 1] - cuts[k];
                    DropoutMask.Apply(key, start, threshold, scale, source.AsSpan(start, length), pieces.AsSpan(start, length), new float[length]);
                }

                Assert.Equal(whole, pieces);
            }
        }

        [Fact]
        public void SitesPassesAndSeeds_DrawIndependentMasks()
        {
            const double p = 0.5;
            var (_, reference, _) = Run(DropoutMask.Key(3, 0, 0), p);
            foreach (ulong key in new[] { DropoutMask.Key(3, 0, 1), DropoutMask.Key(3, 1, 0), DropoutMask.Key(4, 0, 0) })
            {
                var (_, other, _) = Run(key, p);
                int both = 0;
                for (int i = 0; i < N; i++)
                {
                    both += reference[i] == 0f && other[i] == 0f ? 1 : 0;
                }

                // Independent masks drop a position in both with probability p².
                double q = p * p, sigma = Math.Sqrt(q * (1 - q) / N);
                Assert.InRange(both / (double)N, q - (StandardErrors * sigma), q + (StandardErrors * sigma));
            }
        }

        [Fact]
        public void Backward_MultipliesTheGradientByTheMask()
        {
            float[] mask = [0f, 2f, 0f, 2f];
            float[] gradient = [1f, 2f, 3f, -4f];
            DropoutMask.Backward(mask, gradient);
            Assert.Equal(new[] { 0f, 4f, 0f, -8f }, gradient);
        }

        [Fact]
        public void RejectsMismatchedSpansAndANegativeStart()
        {
            Assert.Throws<ArgumentException>(() => DropoutMask.Apply(1, 0, 0, 1f, new float[3], new float[2], new float[3]));
            Assert.Throws<ArgumentException>(() => DropoutMask.Apply(1, 0, 0, 1f, new float[3], new float[3], new float[4]));
            Assert.Throws<ArgumentException>(() => DropoutMask.Apply(1, -1, 0, 1f, new float[3], new float[3], new float[3]));
            Assert.Throws<ArgumentException>(() => DropoutMask.Backward(new float[3], new float[2]));
        }

        [Fact]
        public void Apply_DoesNotAllocate()
        {
            var source = new float[4096];
            var mask = new float[4096];
            var destination = new float[4096];
            DropoutMask.Apply(1, 0, 100, 1f, source, mask, destination);
            long before = GC.GetAllocatedBytesForCurrentThread();
            DropoutMask.Apply(DropoutMask.Key(1, 2, 3), 4096, 100, 1f, source, mask, destination);
            DropoutMask.Backward(mask, destination);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        private static (float[] Source, float[] Mask, float[] Destination) Run(ulong key, double p)
        {
            var source = new float[N];
            for (int i = 0; i < N; i++)
            {
                source[i] = (i % 17) - 8.5f;
            }

            var mask = new float[N];
            var destination = new float[N];
            DropoutMask.Apply(key, 0, DropoutMask.Threshold(p), (float)(1.0 / (1.0 - p)), source, mask, destination);
            return (source, mask, destination);
        }
    }
}
