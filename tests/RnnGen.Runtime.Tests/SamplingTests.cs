using System;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class SamplingTests
    {
        [Fact]
        public void ArgmaxReturnsTheFirstMaximum()
        {
            Assert.Equal(1, Sampling.Argmax(new[] { 1f, 3f, 3f, 2f }));
            Assert.Equal(0, Sampling.Argmax(new[] { 5f }));
            Assert.Equal(3, Sampling.Argmax(new[] { -5f, -4f, -3f, -1f }));
            Assert.Equal(2, Sampling.Argmax(new[] { float.NaN, 0f, 1f, float.NaN }));
            Assert.Equal(1, Sampling.Argmax(new[] { float.NegativeInfinity, float.PositiveInfinity, 2f }));
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Sampling.Argmax(ReadOnlySpan<float>.Empty)).ParamName);
        }

        [Fact]
        public void ZeroTemperatureIsArgmaxAndConsumesNoRandomness()
        {
            var random = new RandomSource(5);
            var untouched = new RandomSource(5);
            float[] logits = { 0.1f, 2f, 1.9f, -3f };
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(1, Sampling.Sample(logits, 0f, random));
            }

            Assert.Equal(untouched.NextUInt64(), random.NextUInt64());
        }

        [Theory]
        [InlineData(1.0f)]
        [InlineData(0.7f)]
        [InlineData(2.5f)]
        public void EmpiricalDistributionMatchesTheTemperedSoftmax(float temperature)
        {
            float[] logits = { 1.0f, 2.0f, 0.5f, -1.0f, 3.0f, float.NegativeInfinity };
            var probabilities = new double[logits.Length];
            double sum = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                probabilities[i] = Math.Exp(logits[i] / temperature);
                sum += probabilities[i];
            }

            const int Draws = 100_000;
            var counts = new int[logits.Length];
            var random = new RandomSource(17);
            for (int i = 0; i < Draws; i++)
            {
                counts[Sampling.Sample(logits, temperature, random)]++;
            }

            Assert.Equal(0, counts[^1]);
            double chiSquare = 0;
            for (int i = 0; i < logits.Length - 1; i++)
            {
                double p = probabilities[i] / sum;
                double observed = (double)counts[i] / Draws;

                // Within five binomial standard errors.
                Assert.True(Math.Abs(observed - p) <= 5 * Math.Sqrt(p * (1 - p) / Draws), $"class {i}: observed {observed}, expected {p}");
                chiSquare += (counts[i] - (p * Draws)) * (counts[i] - (p * Draws)) / (p * Draws);
            }

            // 99.99th percentile of chi-square with 4 degrees of freedom.
            Assert.True(chiSquare < 23.51, $"chi-square {chiSquare}");
        }

        [Fact]
        public void SamplingIsDeterministicForASeed()
        {
            float[] logits = { 0.3f, 0.1f, 0.9f, 0.2f };
            var a = new RandomSource(77);
            var b = new RandomSource(77);
            for (int i = 0; i < 1000; i++)
            {
                Assert.Equal(Sampling.Sample(logits, 1f, a), Sampling.Sample(logits, 1f, b));
            }
        }

        [Fact]
        public void InvalidArgumentsThrow()
        {
            float[] logits = { 1f, 2f };
            var random = new RandomSource(1);
            Assert.Equal("temperature", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Sample(logits, -0.5f, random)).ParamName);
            Assert.Equal("temperature", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Sample(logits, float.NaN, random)).ParamName);
            Assert.Equal("temperature", Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Sample(logits, float.PositiveInfinity, random)).ParamName);
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Sampling.Sample(ReadOnlySpan<float>.Empty, 1f, random)).ParamName);
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Sampling.Sample(ReadOnlySpan<float>.Empty, 0f, random)).ParamName);
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Sampling.Sample(new[] { 1f, float.NaN }, 1f, random)).ParamName);
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Sampling.Sample(new[] { float.PositiveInfinity }, 1f, random)).ParamName);
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Sampling.Sample(new[] { float.NegativeInfinity }, 1f, random)).ParamName);
            Assert.Throws<ArgumentNullException>(() => Sampling.Sample(logits, 1f, null!));
        }
    }
}
