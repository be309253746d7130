using System;
using System.Collections.Generic;
using RnnGen.Optimizers;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class OptimizerTests
    {
        [Fact]
        public void PlainSgdSubtractsTheScaledGradient()
        {
            using var parameters = new TestParameters(("w", new[] { 37 }));
            parameters.FillRandom(1);
            float[] values = parameters.SnapshotValues();
            float[] gradients = parameters.SnapshotGradients();
            using var sgd = new Sgd(parameters.List, 0.1f);
            sgd.Step();
            for (int i = 0; i < 37; i++)
            {
                Assert.Equal(values[i] + (gradients[i] * -0.1f), parameters[0].Value[i]);
            }

            Assert.Equal(gradients, parameters.SnapshotGradients());
            Assert.Equal(1, sgd.StepCount);
        }

        [Fact]
        public void MomentumBufferStartsAtTheFirstGradient()
        {
            using var parameters = new TestParameters(("w", new[] { 3 }));
            parameters[0].Gradient.Fill(1f);
            using var sgd = new Sgd(parameters.List, 0.5f, momentum: 0.5f);
            sgd.Step();
            Assert.Equal(new[] { -0.5f, -0.5f, -0.5f }, parameters[0].Value.ToArray());
            sgd.Step();

            // buf = 0.5 * 1 + 1 = 1.5; p = -0.5 - 0.5 * 1.5.
            Assert.Equal(new[] { -1.25f, -1.25f, -1.25f }, parameters[0].Value.ToArray());
        }

        [Fact]
        public void StateIsKeptPerParameter()
        {
            // One optimizer over several parameters must equal one optimizer per parameter.
            (string, int[])[] shapes = { ("a", new[] { 37 }), ("b", new[] { 5 }), ("c", new[] { 1 }), ("d", new[] { 4, 4 }) };
            using var together = new TestParameters(shapes);
            together.FillRandom(9);
            var separate = new List<TestParameters>();
            var separateOptimizers = new List<Optimizer>();
            for (int k = 0; k < shapes.Length; k++)
            {
                var single = new TestParameters(shapes[k]);
                together[k].Value.CopyTo(single[0].Value);
                separate.Add(single);
                separateOptimizers.Add(new Adam(single.List, 0.01f, weightDecay: 0.1f));
            }

            using var adam = new Adam(together.List, 0.01f, weightDecay: 0.1f);
            var random = new RandomSource(10);
            for (int step = 0; step < 5; step++)
            {
                Initializers.Normal(together.Gradients.AsSpan(), random, 1f);
                for (int k = 0; k < shapes.Length; k++)
                {
                    together[k].Gradient.CopyTo(separate[k][0].Gradient);
                    separateOptimizers[k].Step();
                }

                adam.Step();
                for (int k = 0; k < shapes.Length; k++)
                {
                    Assert.Equal(separate[k][0].Value.ToArray(), together[k].Value.ToArray());
                }
            }

            for (int k = 0; k < shapes.Length; k++)
            {
                separateOptimizers[k].Dispose();
                separate[k].Dispose();
            }
        }

        [Fact]
        public void ZeroGradientsClearsEveryGradient()
        {
            using var parameters = new TestParameters(("a", new[] { 10 }), ("b", new[] { 3 }));
            parameters.FillRandom(2);
            using var adagrad = new Adagrad(parameters.List);
            adagrad.ZeroGradients();
            Assert.All(parameters.SnapshotGradients(), g => Assert.Equal(0f, g));
        }

        [Fact]
        public void LearningRateCanBeChangedBetweenSteps()
        {
            using var parameters = new TestParameters(("w", new[] { 2 }));
            parameters[0].Gradient.Fill(1f);
            using var sgd = new Sgd(parameters.List, 1f);
            sgd.Step();
            sgd.LearningRate = 0.25f;
            sgd.Step();
            Assert.Equal(0.25f, sgd.LearningRate);
            Assert.Equal(new[] { -1.25f, -1.25f }, parameters[0].Value.ToArray());
            Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = -1f).ParamName);
            Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = float.NaN).ParamName);
        }

        [Fact]
        public void ParametersAreCopiedAndExposedInOrder()
        {
            using var parameters = new TestParameters(("a", new[] { 2 }), ("b", new[] { 3 }));
            var list = new List<Parameter>(parameters.List);
            using var adam = new Adam(list);
            list.Clear();
            Assert.Equal(2, adam.Parameters.Count);
            Assert.Same(parameters[0], adam.Parameters[0]);
            Assert.Same(parameters[1], adam.Parameters[1]);
        }

        [Fact]
        public void DisposedOptimizerCannotStep()
        {
            using var parameters = new TestParameters(("w", new[] { 2 }));
            Optimizer[] optimizers = { new Sgd(parameters.List, 0.1f), new Sgd(parameters.List, 0.1f, 0.9f), new Adam(parameters.List), new Adagrad(parameters.List) };
            foreach (Optimizer optimizer in optimizers)
            {
                optimizer.Dispose();
                optimizer.Dispose();
                Assert.Throws<ObjectDisposedException>(() => optimizer.Step());
                Assert.Equal(0, optimizer.StepCount);
            }
        }

        [Fact]
        public void InvalidHyperParametersThrowNamingTheParameter()
        {
            using var parameters = new TestParameters(("w", new[] { 2 }));
            IReadOnlyList<Parameter> p = parameters.List;
            Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(p, -0.1f)).ParamName);
            Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(p, float.NaN)).ParamName);
            Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(p, 0.1f, momentum: -0.5f)).ParamName);
            Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(p, 0.1f, weightDecay: -1f)).ParamName);
            Assert.Equal("nesterov", Assert.Throws<ArgumentException>(() => new Sgd(p, 0.1f, nesterov: true)).ParamName);
            Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(p, -1f)).ParamName);
            Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(p, beta1: 1f)).ParamName);
            Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(p, beta1: -0.1f)).ParamName);
            Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(p, beta2: 1.5f)).ParamName);
            Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(p, beta2: float.NaN)).ParamName);
            Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(p, epsilon: -1e-8f)).ParamName);
            Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(p, weightDecay: float.NaN)).ParamName);
            Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(p, float.PositiveInfinity)).ParamName);
            Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(p, epsilon: -1f)).ParamName);
            Assert.Equal("initialAccumulatorValue", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(p, initialAccumulatorValue: -1f)).ParamName);
            Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(p, weightDecay: -1f)).ParamName);
        }

        [Fact]
        public void InvalidParameterListsThrow()
        {
            using var parameters = new TestParameters(("w", new[] { 2 }));
            Assert.Throws<ArgumentNullException>(() => new Adam(null!));
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => new Adam(Array.Empty<Parameter>())).ParamName);
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => new Adam(new[] { parameters[0], parameters[0] })).ParamName);
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => new Sgd(new Parameter[] { null! }, 0.1f)).ParamName);
        }
    }
}
