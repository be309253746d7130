using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen;
using RnnGen.Numerics;
using RnnGen.Optimizers;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>NaN and infinities never poison parameters or optimizer state, and are reported where they appear.</summary>
    public sealed class NonFiniteTests
    {
        public static TheoryData<string> Optimizers() => new()
        {
            "sgd", "sgd-decay", "momentum", "nesterov", "adam", "adam-decay", "adagrad",
        };

        private static Optimizer Make(string kind, IReadOnlyList<Parameter> parameters, float lr = 0.01f) => kind switch
        {
            "sgd" => new Sgd(parameters, lr),
            "sgd-decay" => new Sgd(parameters, lr, weightDecay: 0.1f),
            "momentum" => new Sgd(parameters, lr, momentum: 0.9f),
            "nesterov" => new Sgd(parameters, lr, momentum: 0.9f, nesterov: true),
            "adam" => new Adam(parameters, lr),
            "adam-decay" => new Adam(parameters, lr, weightDecay: 0.1f),
            "adagrad" => new Adagrad(parameters, lr),
            _ => throw new ArgumentException(kind),
        };

        private static float[] State(Optimizer optimizer) =>
            optimizer.StateBuffers.SelectMany(b => b.Buffer.AsSpan().ToArray()).ToArray();

        [Fact]
        public void IndexOfNonFinite_FindsTheFirstNaNOrInfinity_AtEveryPositionAndLength()
        {
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                for (int length = 1; length <= 150; length += 7)
                {
                    var values = new float[length];
                    for (int i = 0; i < length; i++)
                    {
                        values[i] = (i % 3 == 0 ? float.MaxValue : i % 3 == 1 ? -float.Epsilon : -0f) * (i % 2 == 0 ? 1 : -1);
                    }

                    Assert.Equal(-1, Finite.IndexOfNonFinite(values));
                    Assert.True(Finite.All(values));
                    for (int position = 0; position < length; position++)
                    {
                        float kept = values[position];
                        values[position] = bad;
                        Assert.Equal(position, Finite.IndexOfNonFinite(values));
                        if (position + 1 < length)
                        {
                            values[length - 1] = float.NaN;
                            Assert.Equal(position, Finite.IndexOfNonFinite(values));
                            values[length - 1] = length - 1 == position ? bad : 1f;
                        }

                        values[position] = kept;
                    }
                }
            }

            Assert.Equal(-1, Finite.IndexOfNonFinite(ReadOnlySpan<float>.Empty));
        }

        [Theory]
        [MemberData(nameof(Optimizers))]
        public void Step_WithANaNOrInfiniteGradient_IsRefused_AndChangesNothing(string kind)
        {
            foreach (float poison in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                using var parameters = new TestParameters(("a", new[] { 5, 7 }), ("b", new[] { 13 }));
                parameters.FillRandom(3);
                using Optimizer optimizer = Make(kind, parameters.List);
                Assert.True(optimizer.Step());
                float[] values = parameters.SnapshotValues();
                float[] state = State(optimizer);

                parameters[1].Gradient[11] = poison;
                Assert.False(optimizer.Step());
                Assert.Equal(1, optimizer.StepCount);
                Assert.Equal(1, optimizer.SkippedSteps);
                Assert.Equal(values, parameters.SnapshotValues());
                Assert.Equal(state, State(optimizer));
            }
        }

        [Theory]
        [MemberData(nameof(Optimizers))]
        public void ARefusedStep_LeavesTheRunBitForBitAsIfItHadNeverBeenTried(string kind)
        {
            // Run A: good, bad, good. Run B: good, good. Same parameters and state after both.
            using var a = new TestParameters(("w", new[] { 37 }));
            using var b = new TestParameters(("w", new[] { 37 }));
            a.FillRandom(5);
            b.FillRandom(5);
            using Optimizer first = Make(kind, a.List);
            using Optimizer second = Make(kind, b.List);
            first.Step();
            second.Step();
            float[] gradient = a.SnapshotGradients();
            a[0].Gradient[36] = float.NaN;
            Assert.False(first.Step());
            gradient.CopyTo(a[0].Gradient);
            Assert.True(first.Step());
            Assert.True(second.Step());
            Assert.Equal(b.SnapshotValues(), a.SnapshotValues());
            Assert.Equal(State(second), State(first));
            Assert.Equal((2, 1), (first.StepCount, first.SkippedSteps));
        }

        [Theory]
        [MemberData(nameof(Optimizers))]
        public void Step_ThatWouldOverflowFiniteGradients_IsRefused(string kind)
        {
            // Finite everything, but the update itself leaves float's range.
            using var parameters = new TestParameters(("w", new[] { 9 }));
            parameters.Values.AsSpan().Fill(3e38f);
            parameters.Gradients.AsSpan().Fill(-3e30f);
            using Optimizer optimizer = Make(kind, parameters.List, lr: 3e38f);
            float[] values = parameters.SnapshotValues();
            float[] state = State(optimizer);
            Assert.False(optimizer.Step());
            Assert.Equal(values, parameters.SnapshotValues());
            Assert.Equal(state, State(optimizer));
            Assert.Equal(0, optimizer.StepCount);
        }

        /// <summary>
        /// Adam decides most vector lanes without the square root and divisions (see Adam.Check): on
        /// extreme values of every kind its decision and its result equal those of each element updated
        /// alone, which takes the scalar path that computes every update in full.
        /// </summary>
        [Fact]
        public void AdamsQuickCheck_DecidesAsTheFullUpdate_OnExtremeValues()
        {
            const int Length = 64;
            var random = new Random(20261203);
            float Extreme()
            {
                int kind = random.Next(40);
                if (kind == 0)
                {
                    return float.NaN;
                }

                if (kind == 1)
                {
                    return random.Next(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity;
                }

                // Log-uniform magnitudes from below float's smallest normal to its largest value.
                float magnitude = (float)Math.Pow(10, -40 + (78.5 * random.NextDouble()));
                return random.Next(2) == 0 ? magnitude : -magnitude;
            }

            int refused = 0, taken = 0;
            for (int trial = 0; trial < 400; trial++)
            {
                float lr = new[] { 1e-3f, 1f, 1e30f, 3e38f }[random.Next(4)];
                float epsilon = new[] { 1e-8f, 0f, 1e-30f }[random.Next(3)];
                float decay = random.Next(3) == 0 ? 0.1f : 0f;

                // Mostly ordinary values, with a few extreme elements per trial.
                float Value(float ordinary) => random.Next(100) == 0 ? Extreme() : ordinary * (float)(random.NextDouble() - 0.5);
                var p = Enumerable.Range(0, Length).Select(_ => Value(2f)).ToArray();
                var g = Enumerable.Range(0, Length).Select(_ => Value(0.1f)).ToArray();
                var m = Enumerable.Range(0, Length).Select(_ => Value(0.01f)).ToArray();
                var v = Enumerable.Range(0, Length).Select(_ => Math.Abs(Value(1e-4f))).ToArray();

                using var whole = new TestParameters(("w", new[] { Length }));
                p.CopyTo(whole.Values.AsSpan());
                g.CopyTo(whole.Gradients.AsSpan());
                using var adam = new Adam(whole.List, lr, epsilon: epsilon, weightDecay: decay);
                m.CopyTo(adam.StateBuffers[0].Buffer.AsSpan());
                v.CopyTo(adam.StateBuffers[1].Buffer.AsSpan());

                bool expected = true;
                var expectedValues = new float[Length];
                for (int i = 0; i < Length; i++)
                {
                    using var alone = new TestParameters(("w", new[] { 1 }));
                    alone.Values.AsSpan()[0] = p[i];
                    alone.Gradients.AsSpan()[0] = g[i];
                    using var single = new Adam(alone.List, lr, epsilon: epsilon, weightDecay: decay);
                    single.StateBuffers[0].Buffer.AsSpan()[0] = m[i];
                    single.StateBuffers[1].Buffer.AsSpan()[0] = v[i];
                    expected &= single.Step();
                    expectedValues[i] = alone.Values.AsSpan()[0];
                }

                Assert.Equal(expected, adam.Step());
                if (expected)
                {
                    taken++;
                    Assert.Equal(expectedValues, whole.SnapshotValues());
                }
                else
                {
                    refused++;
                    Assert.Equal(p, whole.SnapshotValues());
                }
            }

            // Both outcomes are well represented, or the test would prove little.
            Assert.InRange(refused, 40, 360);
            Assert.InRange(taken, 40, 360);
        }

        [Fact]
        public void ClipByGlobalNorm_ErrorIfNonFinite_NamesTheParameter_AndLeavesGradientsUnchanged()
        {
            using var parameters = new TestParameters(("a", new[] { 4 }), ("b", new[] { 6 }));
            parameters.FillRandom(2);
            parameters[1].Gradient[4] = float.PositiveInfinity;
            float[] gradients = parameters.SnapshotGradients();

            Assert.True(float.IsInfinity(GradientClipping.ClipByGlobalNorm(parameters.List, 1f)));
            Assert.Equal(gradients, parameters.SnapshotGradients());

            var error = Assert.Throws<NonFiniteException>(() => GradientClipping.ClipByGlobalNorm(parameters.List, 1f, errorIfNonFinite: true));
            Assert.Equal("b", error.TensorName);
            Assert.Equal(4, error.Index);
            Assert.Contains("'b'", error.Message, StringComparison.Ordinal);
            Assert.Equal(gradients, parameters.SnapshotGradients());

            parameters[1].Gradient[4] = 1f;
            float norm = GradientClipping.ClipByGlobalNorm(parameters.List, 1e-3f, errorIfNonFinite: true);
            Assert.True(float.IsFinite(norm) && norm > 1e-3f);
        }

        [Fact]
        public void RequireFiniteGradients_NamesTheFirstBadParameterAndElement()
        {
            using var parameters = new TestParameters(("a", new[] { 4 }), ("b", new[] { 40 }));
            Finite.RequireFiniteGradients(parameters.List);
            parameters[1].Gradient[33] = float.NaN;
            var error = Assert.Throws<NonFiniteException>(() => Finite.RequireFiniteGradients(parameters.List));
            Assert.Equal(("b", 33), (error.TensorName, error.Index));
            Assert.Throws<NonFiniteException>(() => Finite.RequireFiniteLoss(double.PositiveInfinity));
            Assert.Throws<NonFiniteException>(() => Finite.RequireFiniteLoss(double.NaN));
            Finite.RequireFiniteLoss(3e38);
            Assert.Throws<NonFiniteException>(() => Finite.RequireFiniteLoss(1e300)); // finite in double, infinite as the float TrainStep returns
        }

        [Fact]
        public void Load_RefusesNaNAndInfiniteWeights_UnlessAllowed_AndLeavesTheParametersUnchanged()
        {
            string path = Path.Combine(Path.GetTempPath(), $"rnngen-nonfinite-{Guid.NewGuid():N}.safetensors");
            try
            {
                using var source = new TestParameters(("a", new[] { 3 }), ("b", new[] { 2, 5 }));
                source.FillRandom(1);
                source[1].Value[7] = float.NegativeInfinity;
                SafeTensors.Save(path, source.List);

                using var target = new TestParameters(("a", new[] { 3 }), ("b", new[] { 2, 5 }));
                target.FillRandom(9);
                float[] before = target.SnapshotValues();
                var error = Assert.Throws<WeightFileException>(() => SafeTensors.Load(path, target.List));
                Assert.Equal("b", error.TensorName);
                Assert.Contains("element 7", error.Message, StringComparison.Ordinal);
                Assert.Equal(before, target.SnapshotValues());

                SafeTensors.Load(path, target.List, allowNonFinite: true);
                Assert.Equal(source.SnapshotValues(), target.SnapshotValues());
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
