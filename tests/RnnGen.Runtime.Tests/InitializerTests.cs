using System;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class InitializerTests
    {
        private const int Count = 100_000;

        [Fact]
        public void UniformFillsTheSymmetricIntervalWithTheRightMoments()
        {
            float bound = 1f / MathF.Sqrt(128f);
            var values = new float[Count];
            Initializers.Uniform(values, new RandomSource(1), bound);
            double sum = 0;
            double sumOfSquares = 0;
            foreach (float value in values)
            {
                Assert.True(value >= -bound && value < bound);
                sum += value;
                sumOfSquares += (double)value * value;
            }

            // U(-b, b): mean 0 with standard error b/sqrt(3n); E[x^2] = b^2/3 with standard error b^2 sqrt(4/45 / n).
            double b = bound;
            Assert.True(Math.Abs(sum / Count) <= 5 * b / Math.Sqrt(3.0 * Count));
            Assert.True(Math.Abs((sumOfSquares / Count) - (b * b / 3)) <= 5 * b * b * Math.Sqrt(4.0 / 45 / Count));
        }

        [Fact]
        public void NormalHasTheRequestedStandardDeviation()
        {
            var values = new float[Count];
            Initializers.Normal(values, new RandomSource(2), 0.5f);
            double sum = 0;
            double sumOfSquares = 0;
            foreach (float value in values)
            {
                sum += value;
                sumOfSquares += (double)value * value;
            }

            double mean = sum / Count;
            double variance = (sumOfSquares / Count) - (mean * mean);
            Assert.True(Math.Abs(mean) <= 5 * 0.5 / Math.Sqrt(Count));
            Assert.True(Math.Abs(variance - 0.25) <= 5 * 0.25 * Math.Sqrt(2.0 / Count));
        }

        [Fact]
        public void SameSeedGivesSameValues()
        {
            var a = new float[100];
            var b = new float[100];
            Initializers.Uniform(a, new RandomSource(9), 0.1f);
            Initializers.Uniform(b, new RandomSource(9), 0.1f);
            Assert.Equal(a, b);
            Initializers.Normal(a, new RandomSource(9), 1f);
            Initializers.Normal(b, new RandomSource(9), 1f);
            Assert.Equal(a, b);
        }

        [Fact]
        public void ZeroBoundOrDeviationGivesZeros()
        {
            var values = new float[] { 1f, 2f, 3f };
            Initializers.Uniform(values, new RandomSource(1), 0f);
            Assert.Equal(new float[3], values);
            values = new float[] { 1f, 2f, 3f };
            Initializers.Normal(values, new RandomSource(1), 0f);
            Assert.All(values, value => Assert.Equal(0f, value));
        }

        [Fact]
        public void InvalidArgumentsThrow()
        {
            var values = new float[4];
            Assert.Throws<ArgumentNullException>(() => Initializers.Uniform(values, null!, 1f));
            Assert.Throws<ArgumentNullException>(() => Initializers.Normal(values, null!, 1f));
            Assert.Equal("bound", Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.Uniform(values, new RandomSource(1), -1f)).ParamName);
            Assert.Equal("bound", Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.Uniform(values, new RandomSource(1), float.NaN)).ParamName);
            Assert.Equal("standardDeviation", Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.Normal(values, new RandomSource(1), float.PositiveInfinity)).ParamName);
        }
    }
}
