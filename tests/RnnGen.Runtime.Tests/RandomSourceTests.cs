using System;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class RandomSourceTests
    {
        private const int Draws = 100_000;

        // Five standard errors: a correct generator fails such a check with probability below 1e-6,
        // and the seeds are fixed, so the outcome is reproducible.
        private const double StandardErrors = 5.0;

        [Fact]
        public void MatchesTheReferenceXoshiro256StarStarSequence()
        {
            // Values from an independent implementation of SplitMix64 seeding + xoshiro256**.
            var random = new RandomSource(42);
            Assert.Equal(0x15780b2e0c2ec716UL, random.NextUInt64());
            Assert.Equal(0x6104d9866d113a7eUL, random.NextUInt64());
            Assert.Equal(0xae17533239e499a1UL, random.NextUInt64());
            Assert.Equal(0xecb8ad4703b360a1UL, random.NextUInt64());

            var zero = new RandomSource(0);
            Assert.Equal(0x99ec5f36cb75f2b4UL, zero.NextUInt64());
            Assert.Equal(0xbf6e1f784956452aUL, zero.NextUInt64());
        }

        [Fact]
        public void FloatAndDoubleUseTheHighBits()
        {
            var random = new RandomSource(2024);
            Assert.Equal((float)(0x0e48715a13d7772eUL >> 40) / (1 << 24), random.NextFloat());
            Assert.Equal(0.05579286813735962f, new RandomSource(2024).NextFloat());
            random = new RandomSource(2024);
            random.NextUInt64();
            Assert.Equal(0.782103772866755, random.NextDouble());
        }

        [Fact]
        public void SameSeedGivesSameSequenceAndDifferentSeedsDiffer()
        {
            var a = new RandomSource(123);
            var b = new RandomSource(123);
            var c = new RandomSource(124);
            int same = 0;
            for (int i = 0; i < 1000; i++)
            {
                Assert.Equal(a.NextGaussian(), b.NextGaussian());
                Assert.Equal(a.NextInt(1000), b.NextInt(1000));
                Assert.Equal(a.NextUniform(-2f, 3f), b.NextUniform(-2f, 3f));
                if (a.NextUInt64() == c.NextUInt64())
                {
                    same++;
                }

                b.NextUInt64();
            }

            Assert.Equal(0, same);
        }

        [Fact]
        public void UniformFloatsHaveTheRightRangeMeanAndVariance()
        {
            var random = new RandomSource(1);
            double sum = 0;
            double sumOfSquares = 0;
            for (int i = 0; i < Draws; i++)
            {
                float u = random.NextFloat();
                Assert.InRange(u, 0f, MathF.BitDecrement(1f));
                Assert.Equal(0f, (u * (1 << 24)) % 1f);
                sum += u;
                sumOfSquares += (double)u * u;
            }

            double mean = sum / Draws;
            double variance = (sumOfSquares / Draws) - (mean * mean);

            // U(0,1): mean 1/2, variance 1/12; Var(U) = 1/12 and Var((U - 1/2)^2) = 1/80 - 1/144.
            Assert.True(Math.Abs(mean - 0.5) <= StandardErrors * Math.Sqrt(1.0 / 12 / Draws), $"mean {mean}");
            Assert.True(Math.Abs(variance - (1.0 / 12)) <= StandardErrors * Math.Sqrt(((1.0 / 80) - (1.0 / 144)) / Draws), $"variance {variance}");
        }

        [Fact]
        public void UniformDoublesAreInTheUnitInterval()
        {
            var random = new RandomSource(5);
            double sum = 0;
            for (int i = 0; i < Draws; i++)
            {
                double u = random.NextDouble();
                Assert.True(u >= 0.0 && u < 1.0);
                sum += u;
            }

            Assert.True(Math.Abs((sum / Draws) - 0.5) <= StandardErrors * Math.Sqrt(1.0 / 12 / Draws));
        }

        [Fact]
        public void GaussiansHaveMeanZeroUnitVarianceAndNormalTails()
        {
            var random = new RandomSource(99);
            double sum = 0;
            double sumOfSquares = 0;
            int withinOne = 0;
            for (int i = 0; i < Draws; i++)
            {
                float g = random.NextGaussian();
                Assert.True(float.IsFinite(g));
                sum += g;
                sumOfSquares += (double)g * g;
                if (Math.Abs(g) < 1f)
                {
                    withinOne++;
                }
            }

            double mean = sum / Draws;
            double variance = (sumOfSquares / Draws) - (mean * mean);
            double fraction = (double)withinOne / Draws;
            const double P = 0.6826894921370859;
            Assert.True(Math.Abs(mean) <= StandardErrors / Math.Sqrt(Draws), $"mean {mean}");
            Assert.True(Math.Abs(variance - 1.0) <= StandardErrors * Math.Sqrt(2.0 / Draws), $"variance {variance}");
            Assert.True(Math.Abs(fraction - P) <= StandardErrors * Math.Sqrt(P * (1 - P) / Draws), $"P(|g| < 1) = {fraction}");
        }

        [Fact]
        public void NextIntIsUniformAndInRange()
        {
            var random = new RandomSource(3);
            const int Buckets = 7;
            var counts = new int[Buckets];
            for (int i = 0; i < Draws; i++)
            {
                int value = random.NextInt(Buckets);
                Assert.InRange(value, 0, Buckets - 1);
                counts[value]++;
            }

            double expected = (double)Draws / Buckets;
            double chiSquare = 0;
            foreach (int count in counts)
            {
                chiSquare += (count - expected) * (count - expected) / expected;
            }

            // 99.99th percentile of chi-square with 6 degrees of freedom.
            Assert.True(chiSquare < 27.86, $"chi-square {chiSquare}");
            Assert.Equal(0, random.NextInt(1));
            Assert.InRange(random.NextInt(int.MaxValue), 0, int.MaxValue - 1);
        }

        [Fact]
        public void NextUniformStaysInItsHalfOpenInterval()
        {
            var random = new RandomSource(11);
            for (int i = 0; i < Draws; i++)
            {
                float value = random.NextUniform(-0.125f, 0.375f);
                Assert.True(value >= -0.125f && value < 0.375f, value.ToString("R"));
            }

            Assert.Equal(2.5f, random.NextUniform(2.5f, 2.5f));
            float tight = random.NextUniform(1f, MathF.BitIncrement(1f));
            Assert.Equal(1f, tight);
        }

        [Fact]
        public void InvalidArgumentsThrow()
        {
            var random = new RandomSource(0);
            Assert.Equal("maxExclusive", Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt(0)).ParamName);
            Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt(-5));
            Assert.Equal("max", Assert.Throws<ArgumentOutOfRangeException>(() => random.NextUniform(1f, 0f)).ParamName);
            Assert.Equal("min", Assert.Throws<ArgumentOutOfRangeException>(() => random.NextUniform(float.NaN, 0f)).ParamName);
            Assert.Throws<ArgumentOutOfRangeException>(() => random.NextUniform(0f, float.PositiveInfinity));
        }

        [Fact]
        public void PortableLogAgreesWithMathLog()
        {
            var random = new RandomSource(8);
            for (int i = 0; i < Draws; i++)
            {
                double x = Math.Pow(2, (random.NextDouble() * 200) - 100);
                double expected = Math.Log(x);
                double actual = RandomSource.PortableLog(x);
                double ulp = Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
                Assert.True(Math.Abs(actual - expected) <= 2 * ulp, $"log({x:R}) = {actual:R}, expected {expected:R}");
            }

            Assert.Equal(0.0, RandomSource.PortableLog(1.0));
            Assert.Equal(Math.Log(0.5), RandomSource.PortableLog(0.5), 15);
            Assert.Equal(-2.0 * Math.Log(2) * 52, RandomSource.PortableLog(Math.Pow(2, -104)), 12);
        }
    }
}
