using System;
using System.Runtime.Intrinsics;
using RnnGen.Numerics;
using RnnGen.Optimizers;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>The per-step methods must not allocate on the managed heap once warmed up.</summary>
    public class AllocationTests
    {
        [Fact]
        public void OptimizerStepsDoNotAllocate()
        {
            using var parameters = new TestParameters(("a", new[] { 37 }), ("b", new[] { 64, 3 }), ("c", new[] { 1 }));
            parameters.FillRandom(1);
            Optimizer[] optimizers =
            {
                new Sgd(parameters.List, 0.01f),
                new Sgd(parameters.List, 0.01f, momentum: 0.9f, nesterov: true, weightDecay: 1e-4f),
                new Adam(parameters.List, weightDecay: 1e-2f),
                new Adagrad(parameters.List, initialAccumulatorValue: 0.1f),
            };
            try
            {
                foreach (Optimizer optimizer in optimizers)
                {
                    Assert.Equal(0, AllocatedBytes(() =>
                    {
                        optimizer.Step();
                        optimizer.LearningRate = 0.005f;
                        optimizer.Step();
                        optimizer.ZeroGradients();
                    }));
                }
            }
            finally
            {
                foreach (Optimizer optimizer in optimizers)
                {
                    optimizer.Dispose();
                }
            }
        }

        [Fact]
        public void GradientClippingDoesNotAllocate()
        {
            using var parameters = new TestParameters(("a", new[] { 37 }), ("b", new[] { 10, 10 }));
            parameters.FillRandom(2);
            Parameter[] array = parameters.List.ToArray();
            Assert.Equal(0, AllocatedBytes(() =>
            {
                GradientClipping.ClipByGlobalNorm(parameters.List, 0.5f);
                GradientClipping.ClipByGlobalNorm(array, 0.25f);
                GradientClipping.ClipByValue(parameters.List, 0.01f);
                GradientClipping.ClipByValue(array, 0.01f);
            }));
        }

        [Fact]
        public void SamplingDoesNotAllocate()
        {
            float[] logits = { 0.5f, 1.5f, -2f, 3f, 0f };
            var random = new RandomSource(3);
            int sink = 0;
            Assert.Equal(0, AllocatedBytes(() =>
            {
                for (int i = 0; i < 100; i++)
                {
                    sink += Sampling.Sample(logits, 0.8f, random);
                    sink += Sampling.Sample(logits, 0f, random);
                    sink += Sampling.Argmax(logits);
                }
            }));
            Assert.True(sink > 0);
        }

        [Fact]
        public void ActivationsLossesAndRandomNumbersDoNotAllocate()
        {
            var data = new float[64];
            var gradient = new float[64];
            var target = new float[64];
            var random = new RandomSource(4);
            float sink = 0;
            Assert.Equal(0, AllocatedBytes(() =>
            {
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = random.NextUniform(-5f, 5f) + random.NextGaussian() + random.NextInt(3) + random.NextFloat() + (float)random.NextDouble();
                    data[i] = Activations.Tanh(data[i]) + Activations.Sigmoid(data[i]) + Activations.Relu(data[i]);
                }

                for (int i = 0; i < data.Length; i += 16)
                {
                    Vector128<float> v128 = Vector128.Create(data.AsSpan(i, 4));
                    Vector256<float> v256 = Vector256.Create(data.AsSpan(i, 8));
                    Vector512<float> v512 = Vector512.Create(data.AsSpan(i, 16));
                    v128 = Activations.Tanh(v128) + Activations.Sigmoid(v128) + Activations.Relu(v128);
                    v256 = Activations.Tanh(v256) + Activations.Sigmoid(v256) + Activations.Relu(v256);
                    v512 = Activations.Tanh(v512) + Activations.Sigmoid(v512) + Activations.Relu(v512);
                    v512 = Simd.MultiplyAdd(v512, v512, v512);
                    sink += v128.GetElement(0) + v256.GetElement(1) + v512.GetElement(2);
                }

                sink += (float)Losses.SoftmaxCrossEntropy(data, 3, gradient, 0.5f);
                sink += (float)Losses.SoftmaxCrossEntropy(data, 5);
                sink += (float)Losses.SquaredError(data, target, gradient, 0.5f);
            }));
            Assert.True(float.IsFinite(sink));
        }

        [Fact]
        public void ParameterViewsDoNotAllocate()
        {
            using var parameters = new TestParameters(("a", new[] { 8, 8 }));
            Parameter parameter = parameters[0];
            Assert.Equal(0, AllocatedBytes(() =>
            {
                parameter.Value.Fill(1f);
                parameter.Gradient.Clear();
                parameters.Values.AsSpan(3, 5).Clear();
                parameters.Values.Reference = 2f;
            }));
        }

        /// <summary>Runs the action twice to warm it up, then returns the bytes a third run allocates.</summary>
        private static long AllocatedBytes(Action action)
        {
            action();
            action();
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
    }
}
