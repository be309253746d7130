using System;
using RnnGen;
using RnnGen.Optimizers;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>Optimizer behaviour at the edges: no weight decay term when it is zero, and a failed step changes nothing.</summary>
    public sealed class OptimizerEdgeTests
    {
        [Fact]
        public void ZeroWeightDecay_AddsNoTerm_SoAnInfiniteParameterStaysFinitelyUpdated()
        {
            // torch.optim skips weight decay when it is 0; adding 0·p would turn an infinite p into NaN.
            using var parameters = new TestParameters(("w", new[] { 3 }));
            Parameter p = parameters.List[0];
            foreach (Func<Optimizer> make in new Func<Optimizer>[]
            {
                () => new Sgd(parameters.List, 0.1f),
                () => new Sgd(parameters.List, 0.1f, momentum: 0.9f),
                () => new Adam(parameters.List, 0.1f),
                () => new Adagrad(parameters.List, 0.1f),
            })
            {
                p.Value[0] = float.PositiveInfinity;
                p.Value[1] = 1f;
                p.Value[2] = -1f;
                p.Gradient.Fill(0.5f);
                using Optimizer optimizer = make();
                optimizer.Step();
                Assert.Equal(float.PositiveInfinity, p.Value[0]);
                Assert.True(float.IsFinite(p.Value[1]) && p.Value[1] < 1f, optimizer.GetType().Name);
            }
        }

        [Fact]
        public void StepOverADisposedParameterBuffer_ThrowsBeforeChangingAnything()
        {
            var first = new TestParameters(("a", new[] { 4 }));
            using var second = new TestParameters(("b", new[] { 4 }));
            var list = new[] { second.List[0], first.List[0] };
            second.List[0].Value.Fill(1f);
            second.List[0].Gradient.Fill(1f);
            using var adam = new Adam(list, 0.1f);
            first.Dispose();
            Assert.Throws<ObjectDisposedException>(() => adam.Step());
            Assert.Equal(0, adam.StepCount);
            Assert.All(second.List[0].Value.ToArray(), v => Assert.Equal(1f, v));
        }
    }
}
