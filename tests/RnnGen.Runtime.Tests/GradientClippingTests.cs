using System;
using System.Collections.Generic;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class GradientClippingTests
    {
        [Fact]
        public void ScalesEveryGradientWhenTheNormExceedsTheLimit()
        {
            using var parameters = new TestParameters(("a", new[] { 2 }), ("b", new[] { 1 }));
            parameters[0].Gradient[0] = 3f;
            parameters[0].Gradient[1] = 4f;
            parameters[1].Gradient[0] = -12f;
            float norm = GradientClipping.ClipByGlobalNorm(parameters.List, 6.5f);
            Assert.Equal(13f, norm);
            float factor = (float)(6.5 / (13 + 1e-6));
            Assert.Equal(3f * factor, parameters[0].Gradient[0]);
            Assert.Equal(4f * factor, parameters[0].Gradient[1]);
            Assert.Equal(-12f * factor, parameters[1].Gradient[0]);
            Assert.Equal(6.5, Norm(parameters.SnapshotGradients()), 6.5 * 1e-6);
        }

        [Fact]
        public void LeavesGradientsBelowTheLimitUnchanged()
        {
            using var parameters = new TestParameters(("a", new[] { 37 }), ("b", new[] { 5, 3 }));
            parameters.FillRandom(4);
            float[] before = parameters.SnapshotGradients();
            double expected = Norm(before);
            float norm = GradientClipping.ClipByGlobalNorm(parameters.List, (float)expected * 1.01f);
            Assert.Equal(expected, norm, expected * 1e-7);
            Assert.Equal(before, parameters.SnapshotGradients());
        }

        [Fact]
        public void NormMatchesADoubleComputationAcrossVectorBoundaries()
        {
            foreach (int length in new[] { 1, 7, 8, 9, 31, 33, 1000 })
            {
                using var parameters = new TestParameters(("a", new[] { length }), ("b", new[] { 3 }));
                parameters.FillRandom((ulong)length);
                double expected = Norm(parameters.SnapshotGradients());
                float norm = GradientClipping.ClipByGlobalNorm(parameters.List, 0.5f);
                Assert.Equal(expected, norm, expected * 1e-7);
                Assert.Equal(0.5, Norm(parameters.SnapshotGradients()), 0.5 * 1e-6);
            }
        }

        [Fact]
        public void NonFiniteNormIsReturnedAndGradientsAreLeftAlone()
        {
            using var parameters = new TestParameters(("a", new[] { 10 }));
            parameters.FillRandom(5);
            parameters[0].Gradient[3] = float.NaN;
            float[] before = parameters.SnapshotGradients();
            Assert.True(float.IsNaN(GradientClipping.ClipByGlobalNorm(parameters.List, 1f)));
            Assert.Equal(before, parameters.SnapshotGradients());

            parameters[0].Gradient[3] = float.PositiveInfinity;
            before = parameters.SnapshotGradients();
            Assert.Equal(float.PositiveInfinity, GradientClipping.ClipByGlobalNorm(parameters.List, 1f));
            Assert.Equal(before, parameters.SnapshotGradients());
        }

        [Fact]
        public void ClipByValueClampsEachElement()
        {
            using var parameters = new TestParameters(("a", new[] { 37 }), ("b", new[] { 2 }));
            Span<float> gradient = parameters[0].Gradient;
            for (int i = 0; i < gradient.Length; i++)
            {
                gradient[i] = (i - 18) * 0.25f;
            }

            parameters[1].Gradient[0] = float.NaN;
            parameters[1].Gradient[1] = float.NegativeInfinity;
            GradientClipping.ClipByValue(parameters.List, 2f);
            for (int i = 0; i < 37; i++)
            {
                Assert.Equal(Math.Clamp((i - 18) * 0.25f, -2f, 2f), parameters[0].Gradient[i]);
            }

            Assert.True(float.IsNaN(parameters[1].Gradient[0]));
            Assert.Equal(-2f, parameters[1].Gradient[1]);

            GradientClipping.ClipByValue(parameters.List, 0f);
            Assert.All(parameters[0].Gradient.ToArray(), g => Assert.Equal(0f, g));
        }

        [Fact]
        public void InvalidArgumentsThrow()
        {
            using var parameters = new TestParameters(("a", new[] { 2 }));
            foreach (float bad in new[] { 0f, -1f, float.NaN, float.PositiveInfinity })
            {
                Assert.Equal("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(parameters.List, bad)).ParamName);
            }

            foreach (float bad in new[] { -1f, float.NaN, float.PositiveInfinity })
            {
                Assert.Equal("limit", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByValue(parameters.List, bad)).ParamName);
            }

            Assert.Throws<ArgumentNullException>(() => GradientClipping.ClipByGlobalNorm(null!, 1f));
            Assert.Throws<ArgumentNullException>(() => GradientClipping.ClipByValue(null!, 1f));
            var withNull = new List<Parameter> { parameters[0], null! };
            parameters[0].Gradient.Fill(10f);
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => GradientClipping.ClipByGlobalNorm(withNull, 1f)).ParamName);
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => GradientClipping.ClipByValue(withNull, 1f)).ParamName);
            Assert.Equal(new[] { 10f, 10f }, parameters[0].Gradient.ToArray());
            Assert.Equal(0f, GradientClipping.ClipByGlobalNorm(Array.Empty<Parameter>(), 1f));
        }

        internal static double Norm(float[] values)
        {
            double sum = 0;
            foreach (float value in values)
            {
                sum += (double)value * value;
            }

            return Math.Sqrt(sum);
        }
    }
}
