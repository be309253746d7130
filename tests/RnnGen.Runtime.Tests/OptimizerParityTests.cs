using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using RnnGen.Optimizers;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>
    /// Compares the optimizers and gradient clipping with trajectories recorded from PyTorch
    /// (tests/Fixtures/optimizers.safetensors, made by tests/fixtures-src/make_fixtures.py).
    /// Every tensor must agree with PyTorch's to within 1e-6 of that tensor's largest magnitude:
    /// max |ours - torch| &lt;= 1e-6 * max |torch|.
    /// </summary>
    public class OptimizerParityTests
    {
        private const double RelativeTolerance = 1e-6;
        private const int Steps = 5;

        private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "optimizers.safetensors");

        [Theory]
        [InlineData("sgd")]
        [InlineData("sgd_momentum")]
        [InlineData("sgd_nesterov")]
        [InlineData("sgd_weight_decay")]
        [InlineData("adam")]
        [InlineData("adam_weight_decay")]
        [InlineData("adagrad")]
        [InlineData("adagrad_initial_accumulator")]
        public void StepsMatchTorchOptim(string configuration)
        {
            IReadOnlyDictionary<string, TensorData> tensors = SafeTensors.ReadAll(FixturePath);
            IReadOnlyDictionary<string, string> metadata = SafeTensors.ReadMetadata(FixturePath);
            using JsonDocument hyperParameters = JsonDocument.Parse(metadata[configuration]);
            float[] initial = tensors[$"{configuration}.param.init"].ToSingleArray();
            Assert.Equal(37, initial.Length);

            using var parameters = new TestParameters(("p", new[] { initial.Length }));
            initial.CopyTo(parameters[0].Value);
            using Optimizer optimizer = Create(configuration, hyperParameters.RootElement, parameters.List);
            for (int step = 0; step < Steps; step++)
            {
                tensors[$"{configuration}.grad.{step}"].ToSingleArray().CopyTo(parameters[0].Gradient);
                optimizer.Step();
                AssertClose(tensors[$"{configuration}.param.{step}"].ToSingleArray(), parameters[0].Value.ToArray(), $"{configuration} after step {step}");
            }
        }

        [Fact]
        public void ClipByGlobalNormMatchesClipGradNorm()
        {
            IReadOnlyDictionary<string, TensorData> tensors = SafeTensors.ReadAll(FixturePath);
            using JsonDocument clip = JsonDocument.Parse(SafeTensors.ReadMetadata(FixturePath)["clip"]);
            float maxNorm = (float)clip.RootElement.GetProperty("max_norm").GetDouble();
            var shapes = new (string, int[])[3];
            for (int i = 0; i < 3; i++)
            {
                shapes[i] = ($"clip.{i}", ToArray(tensors[$"clip.grad.{i}"].Shape));
            }

            Assert.Equal(new[] { 5, 3 }, shapes[0].Item2);
            Assert.Equal(new[] { 7 }, shapes[1].Item2);
            Assert.Equal(new[] { 2, 2, 2 }, shapes[2].Item2);
            using var parameters = new TestParameters(shapes);
            for (int i = 0; i < 3; i++)
            {
                tensors[$"clip.grad.{i}"].ToSingleArray().CopyTo(parameters[i].Gradient);
            }

            float norm = GradientClipping.ClipByGlobalNorm(parameters.List, maxNorm);
            TensorData expectedNorm = tensors["clip.norm"];
            Assert.Empty(expectedNorm.Shape);
            AssertClose(expectedNorm.ToSingleArray(), new[] { norm }, "clip.norm");
            Assert.True(norm > maxNorm);
            for (int i = 0; i < 3; i++)
            {
                AssertClose(tensors[$"clip.clipped.{i}"].ToSingleArray(), parameters[i].Gradient.ToArray(), $"clip.clipped.{i}");
            }
        }

        private static Optimizer Create(string configuration, JsonElement h, IReadOnlyList<Parameter> parameters)
        {
            float learningRate = (float)h.GetProperty("lr").GetDouble();
            float weightDecay = (float)h.GetProperty("weight_decay").GetDouble();
            if (configuration.StartsWith("sgd", StringComparison.Ordinal))
            {
                return new Sgd(parameters, learningRate, (float)h.GetProperty("momentum").GetDouble(), h.GetProperty("nesterov").GetBoolean(), weightDecay);
            }

            if (configuration.StartsWith("adam", StringComparison.Ordinal))
            {
                JsonElement betas = h.GetProperty("betas");
                return new Adam(parameters, learningRate, (float)betas[0].GetDouble(), (float)betas[1].GetDouble(), (float)h.GetProperty("eps").GetDouble(), weightDecay);
            }

            Assert.StartsWith("adagrad", configuration, StringComparison.Ordinal);
            return new Adagrad(parameters, learningRate, (float)h.GetProperty("eps").GetDouble(), (float)h.GetProperty("initial_accumulator_value").GetDouble(), weightDecay);
        }

        private static int[] ToArray(IReadOnlyList<int> list)
        {
            var array = new int[list.Count];
            for (int i = 0; i < array.Length; i++)
            {
                array[i] = list[i];
            }

            return array;
        }

        private static void AssertClose(float[] expected, float[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(expected[i]));
                worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]));
            }

            Assert.True(worst <= RelativeTolerance * scale, $"{what}: max |difference| = {worst:E3}, allowed {RelativeTolerance * scale:E3}");
        }
    }
}
