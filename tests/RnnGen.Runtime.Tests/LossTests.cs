using System;
using RnnGen.Numerics;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class LossTests
    {
        private static readonly float[] Logits = { 1.5f, -0.25f, 3.0f, 0.0f, -2.0f, 2.75f, 0.5f };

        [Theory]
        [InlineData(0)]
        [InlineData(2)]
        [InlineData(4)]
        [InlineData(6)]
        public void SoftmaxCrossEntropyMatchesADirectDoubleComputation(int target)
        {
            double denominator = 0;
            foreach (float logit in Logits)
            {
                denominator += Math.Exp(logit);
            }

            double expectedLoss = -Math.Log(Math.Exp(Logits[target]) / denominator);
            var gradient = new float[Logits.Length];
            double loss = Losses.SoftmaxCrossEntropy(Logits, target, gradient, 0.25f);

            // The result is a float rounded from a double computation: within one float rounding.
            Assert.True(Math.Abs(loss - expectedLoss) <= 6e-8 * Math.Abs(expectedLoss), $"{loss} vs {expectedLoss}");
            Assert.Equal(loss, Losses.SoftmaxCrossEntropy(Logits, target));
            for (int i = 0; i < Logits.Length; i++)
            {
                double expected = 0.25 * ((Math.Exp(Logits[i]) / denominator) - (i == target ? 1 : 0));
                Assert.True(Math.Abs(gradient[i] - expected) <= 1e-8, $"gradient[{i}] = {gradient[i]}, expected {expected}");
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(5)]
        public void SoftmaxCrossEntropyGradientMatchesCentralDifferences(int target)
        {
            var gradient = new float[Logits.Length];
            Losses.SoftmaxCrossEntropy(Logits, target, gradient, 1f);
            const float H = 1f / 64;
            for (int i = 0; i < Logits.Length; i++)
            {
                float[] plus = (float[])Logits.Clone();
                float[] minus = (float[])Logits.Clone();
                plus[i] += H;
                minus[i] -= H;
                double difference = ((double)Losses.SoftmaxCrossEntropy(plus, target) - Losses.SoftmaxCrossEntropy(minus, target)) / ((double)plus[i] - minus[i]);

                // Truncation error h^2/6 |f'''| <= 1e-5 (|f'''| <= 0.4 for a softmax) plus the float
                // rounding of the two losses divided by 2h: 2 * 2.4e-7 / (1/32) = 1.5e-5.
                Assert.True(Math.Abs(difference - gradient[i]) <= 3e-5, $"d/dlogit[{i}]: analytic {gradient[i]}, numeric {difference}");
            }
        }

        [Fact]
        public void SoftmaxCrossEntropyIsStableForExtremeLogits()
        {
            float[] logits = { 1000f, 0f, -1000f, 999f };
            var gradient = new float[4];
            double best = Losses.SoftmaxCrossEntropy(logits, 0, gradient, 1f);
            Assert.Equal(Math.Log(1 + Math.Exp(-1)), best, 1e-7);
            Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
            Assert.Equal(-1 + (1 / (1 + Math.Exp(-1))), gradient[0], 1e-7);
            Assert.Equal(0f, gradient[2]);

            double worst = Losses.SoftmaxCrossEntropy(logits, 2, gradient, 1f);
            Assert.Equal(2000 + Math.Log(1 + Math.Exp(-1)), worst, 1.3e-4);
            Assert.Equal(-1f, gradient[2]);

            Assert.Equal(0.0, Losses.SoftmaxCrossEntropy(new[] { 3.5f }, 0));
        }

        [Fact]
        public void SoftmaxCrossEntropyRejectsBadArguments()
        {
            var gradient = new float[Logits.Length];
            Assert.Equal("target", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropy(Logits, Logits.Length, gradient, 1f)).ParamName);
            Assert.Equal("target", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropy(Logits, -1, gradient, 1f)).ParamName);
            Assert.Equal("target", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropy(Logits, 7)).ParamName);
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(ReadOnlySpan<float>.Empty, 0)).ParamName);
            Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(Logits, 0, new float[3], 1f)).ParamName);
            float[] shared = (float[])Logits.Clone();
            Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(shared, 0, shared, 1f)).ParamName);
        }

        [Fact]
        public void SquaredErrorMatchesADirectComputationAndCentralDifferences()
        {
            float[] prediction = { 0.5f, -1.25f, 2f, 0f, 3.5f };
            float[] target = { 0f, -1f, 2.5f, 1f, 3.5f };
            var gradient = new float[5];
            double loss = Losses.SquaredError(prediction, target, gradient, 0.1f);
            double expected = 0;
            for (int i = 0; i < 5; i++)
            {
                double d = (double)prediction[i] - target[i];
                expected += d * d;
                Assert.Equal(0.2 * d, gradient[i], 1e-7);
            }

            Assert.Equal(expected, loss, 1e-6);

            Losses.SquaredError(prediction, target, gradient, 1f);
            const float H = 1f / 64;
            var scratch = new float[5];
            for (int i = 0; i < 5; i++)
            {
                float[] plus = (float[])prediction.Clone();
                float[] minus = (float[])prediction.Clone();
                plus[i] += H;
                minus[i] -= H;
                double difference = ((double)Losses.SquaredError(plus, target, scratch, 1f) - Losses.SquaredError(minus, target, scratch, 1f)) / (2 * H);

                // The loss is quadratic, so central differences are exact up to float rounding of the losses.
                Assert.True(Math.Abs(difference - gradient[i]) <= 1e-5, $"d/dp[{i}]: analytic {gradient[i]}, numeric {difference}");
            }
        }

        [Fact]
        public void SquaredErrorRejectsBadArguments()
        {
            var a = new float[3];
            Assert.Equal("target", Assert.Throws<ArgumentException>(() => Losses.SquaredError(a, new float[2], new float[3], 1f)).ParamName);
            Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => Losses.SquaredError(a, new float[3], new float[4], 1f)).ParamName);
            Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => Losses.SquaredError(a, new float[3], a, 1f)).ParamName);
            Assert.Equal(0f, Losses.SquaredError(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, Span<float>.Empty, 1f));
        }
    }
}
