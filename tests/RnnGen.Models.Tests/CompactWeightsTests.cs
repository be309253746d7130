using System;
using System.Linq;
using RnnGen.Numerics;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// <c>InferenceWeights = WeightFormat.BFloat16</c> or <c>Int8</c>: streaming steps read a compact copy of
/// the weight matrices of their products and compute everything else in float32. (Stream batches against
/// single steps, Step against Forward, and split steps against one thread, are checked in both formats
/// too: see <see cref="StreamBatchTests"/>, <see cref="StreamingTests"/> and <see cref="UnitSplitTests"/>.)
/// </summary>
public sealed class CompactWeightsTests
{
    /// <summary>Every fixture model with each compact format.</summary>
    public static System.Collections.Generic.IEnumerable<object[]> ModelsAndFormats() =>
        FixtureModelsCatalog.Names.SelectMany(n => new[] { new object[] { n, WeightFormat.BFloat16 }, new object[] { n, WeightFormat.Int8 } });

    /// <summary>
    /// A bfloat16 step computes exactly what a float32 step computes with those weight matrices rounded
    /// to bfloat16 (the widening is exact and the chains of multiply–adds are the same), bit for bit,
    /// for every fixture model.
    /// </summary>
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void BFloat16Step_IsTheFloat32StepOfTheRoundedWeights(string model)
    {
        float[] compact = Streamed(model, WeightFormat.BFloat16, round: null);
        float[] rounded = Streamed(model, WeightFormat.Float32, round: WeightFormat.BFloat16);
        Assert.Equal(rounded, compact);

        // And it is not float32 by accident: the rounding changes the outputs.
        float[] full = Streamed(model, WeightFormat.Float32, round: null);
        Assert.NotEqual(full, compact);
    }

    /// <summary>
    /// An int8 step computes what a float32 step computes with each weight matrix replaced by its
    /// dequantized values q·s (per row), up to float32 rounding: the int8 kernels sum x·q and scale the
    /// sum once, the float32 ones sum x·(q·s). A wrong scale, element or panel order would be off by
    /// the size of a weight, orders of magnitude beyond the bound.
    /// </summary>
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void Int8Step_IsTheFloat32StepOfTheDequantizedWeights(string model)
    {
        float[] compact = Streamed(model, WeightFormat.Int8, round: null);
        float[] dequantized = Streamed(model, WeightFormat.Float32, round: WeightFormat.Int8);
        double scale = dequantized.Max(v => Math.Abs(v));
        double worst = dequantized.Zip(compact, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 5e-6 * scale, $"{model}: largest difference {worst:G4} against a largest output of {scale:G4} (bound 5e-6 relative).");

        float[] full = Streamed(model, WeightFormat.Float32, round: null);
        Assert.True(full.Zip(compact, (a, b) => Math.Abs(a - b)).Max() > 10 * worst, $"{model}: int8 is as close to float32 as to its own dequantized weights.");
    }

    /// <summary>
    /// The accuracy bound: on every fixture, the bfloat16 and the int8 outputs stay within 1e-2 of the
    /// float32 ones, relative to the largest float32 output (measured: at most 3.9e-3 in bfloat16 and
    /// 6.3e-3 in int8).
    /// </summary>
    [Theory]
    [MemberData(nameof(ModelsAndFormats))]
    public void CompactStep_StaysWithinItsBoundOfFloat32(string model, WeightFormat format)
    {
        float[] full = Streamed(model, WeightFormat.Float32, round: null);
        float[] compact = Streamed(model, format, round: null);
        const double bound = 1e-2;
        double scale = full.Max(v => Math.Abs(v));
        double worst = full.Zip(compact, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= bound * scale, $"{model}, {format}: largest difference {worst:G4} against a largest output of {scale:G4} (bound {bound} relative).");
    }

    [Theory]
    [InlineData(WeightFormat.BFloat16)]
    [InlineData(WeightFormat.Int8)]
    public void TheCopyFollowsTheParameters_AndFloat32ComesBack(WeightFormat format)
    {
        using var model = new Lstm40(seed: 4);
        using var state = model.NewState();
        var input = new float[Lstm40.InputSize];
        input.AsSpan().Fill(0.3f);
        var float32 = new float[Lstm40.OutputSize];
        var bfloat16 = new float[Lstm40.OutputSize];
        var again = new float[Lstm40.OutputSize];

        model.Step(state, input, float32);
        state.Reset();
        model.InferenceWeights = format;
        Assert.Equal(format, model.InferenceWeights);
        model.Step(state, input, bfloat16);
        Assert.NotEqual(float32, bfloat16);

        // A parameter change (as an optimizer or Load makes) remakes the copy before the next step.
        var weight = model.Parameters.First(p => p.Name.Contains("weight_ih", StringComparison.Ordinal));
        weight.Value[0] += 0.5f;
        state.Reset();
        model.Step(state, input, again);
        Assert.NotEqual(bfloat16, again);
        weight.Value[0] -= 0.5f;
        state.Reset();
        model.Step(state, input, again);
        Assert.Equal(bfloat16, again);

        model.InferenceWeights = WeightFormat.Float32;
        state.Reset();
        model.Step(state, input, again);
        Assert.Equal(float32, again);
    }

    /// <summary>Switching between the compact formats makes each one's copy afresh: every format gives its own bits again.</summary>
    [Fact]
    public void SwitchingFormats_GivesEachFormatsOwnResults()
    {
        using var model = new CharLstm(seed: 9);
        using var state = model.NewState();
        float[] Run(WeightFormat format)
        {
            model.InferenceWeights = format;
            state.Reset();
            var output = new float[CharLstm.OutputSize];
            foreach (int token in new[] { 3, 14, 15, 9, 26 })
            {
                model.Step(state, token, output);
            }

            return output;
        }

        float[] bfloat16 = Run(WeightFormat.BFloat16);
        float[] int8 = Run(WeightFormat.Int8);
        float[] float32 = Run(WeightFormat.Float32);
        Assert.NotEqual(bfloat16, int8);
        Assert.NotEqual(float32, int8);
        Assert.Equal(bfloat16, Run(WeightFormat.BFloat16));
        Assert.Equal(int8, Run(WeightFormat.Int8));
        Assert.Equal(bfloat16, Run(WeightFormat.BFloat16));
        Assert.Equal(float32, Run(WeightFormat.Float32));
    }

    /// <summary>
    /// Forward reads the copy too, on one thread and split between two (by batch entries, and by hidden
    /// units at batch size 1) with the same bits; Backward refuses its activations, TrainStep and Evaluate
    /// stay float32.
    /// </summary>
    [Theory]
    [InlineData("Lstm3Mse", WeightFormat.BFloat16)]
    [InlineData("SplitLstm", WeightFormat.BFloat16)]
    [InlineData("AttnDecoder", WeightFormat.BFloat16)]
    [InlineData("Lstm3Mse", WeightFormat.Int8)]
    [InlineData("SplitLstm", WeightFormat.Int8)]
    [InlineData("AttnDecoder", WeightFormat.Int8)]
    public void CompactForward_IsTheSameOnTwoThreads_AndTrainingStaysFloat32(string model, WeightFormat compactFormat)
    {
        float[] Forward(WeightFormat format, int threads)
        {
            using var h = UnitSplitTests.CreateModel(model);
            h.Model.InferenceWeights = format;
            h.Model.Threads = threads;
            var outputs = new float[h.OutputCount];
            h.InferenceForward(outputs);
            return outputs;
        }

        float[] float32 = Forward(WeightFormat.Float32, 1);
        float[] compact = Forward(compactFormat, 1);
        Assert.NotEqual(float32, compact);
        Assert.Equal(compact, Forward(compactFormat, 2));

        using var t = UnitSplitTests.CreateModel(model);
        using var f = UnitSplitTests.CreateModel(model);
        t.Model.InferenceWeights = compactFormat;
        Assert.Equal(f.TrainStep(), t.TrainStep());
        Assert.Equal(f.Evaluate(), t.Evaluate());
        AssertGradientsEqual(f.Model, t.Model);
    }

    [Theory]
    [InlineData(WeightFormat.BFloat16)]
    [InlineData(WeightFormat.Int8)]
    public void Backward_RefusesTheActivationsOfACompactForward(WeightFormat format)
    {
        var (h, _) = FixtureModelsCatalog.Load("Lstm3Mse");
        using (h)
        {
            var model = (Lstm3Mse)h.Model;
            var outputs = new float[h.OutputCount];
            var gradients = new float[h.OutputCount];
            gradients.AsSpan().Fill(0.1f);
            model.InferenceWeights = format;
            h.InferenceForward(outputs);
            var error = Assert.Throws<InvalidOperationException>(() => model.Backward(gradients));
            Assert.Contains(format.ToString(), error.Message);

            model.InferenceWeights = WeightFormat.Float32;
            h.InferenceForward(outputs);
            model.Backward(gradients);
            Assert.Contains(model.Parameters[0].Gradient.ToArray(), g => g != 0f);
        }
    }

    private static void AssertGradientsEqual(IRnnModel expected, IRnnModel actual)
    {
        for (int i = 0; i < expected.Parameters.Count; i++)
        {
            Assert.Equal(expected.Parameters[i].Gradient.ToArray(), actual.Parameters[i].Gradient.ToArray());
        }
    }

    [Fact]
    public void AnUndefinedFormat_IsRefused_AndAfterDisposeNothingIsAccepted()
    {
        var model = new Lstm40(seed: 4);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.InferenceWeights = (WeightFormat)7);
        Assert.Contains("WeightFormat.Int8", error.Message);
        Assert.Equal(WeightFormat.Float32, model.InferenceWeights);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.InferenceWeights = WeightFormat.BFloat16);
    }

    [Theory]
    [InlineData(WeightFormat.BFloat16)]
    [InlineData(WeightFormat.Int8)]
    public void CompactStep_AllocatesNothing(WeightFormat format)
    {
        var fixture = Fixture.Load("CharLstm");
        using var model = new CharLstm(seed: 3) { InferenceWeights = format };
        using var state = model.NewState();
        using var streams = model.NewStreams(5);
        int[] tokens = fixture.TokenInputs;
        var output = new float[CharLstm.OutputSize];
        var outputs = new float[5 * CharLstm.OutputSize];
        int call = 0;
        Assert.Equal(0, Allocations.AfterWarmUp(() =>
        {
            model.Step(state, tokens[call++ % tokens.Length], output);
            model.Step(streams, tokens.AsSpan(0, 5), outputs);
        }));
    }

    /// <summary>Every batch entry of a fixture streamed step by step, the outputs concatenated.</summary>
    /// <param name="model">The fixture model.</param>
    /// <param name="format">The weights its steps read.</param>
    /// <param name="round">With a compact format, first replaces the product weights by their values in it (see <see cref="RoundProductWeights"/>).</param>
    private static float[] Streamed(string model, WeightFormat format, WeightFormat? round)
    {
        var (h, _) = FixtureModelsCatalog.Load(model);
        using (h)
        {
            if (round is WeightFormat rounding)
            {
                RoundProductWeights(h.Model, rounding);
            }

            h.Model.InferenceWeights = format;
            int t = h.Model.SequenceLength, o = h.Model.OutputSize;
            var all = new float[h.Model.BatchSize * t * o];
            for (int b = 0; b < h.Model.BatchSize; b++)
            {
                var streamed = new float[t * o];
                int steps = h.Stream(b, streamed);
                streamed.AsSpan(0, steps * o).CopyTo(all.AsSpan(b * t * o));
            }

            return all;
        }
    }

    /// <summary>
    /// Replaces by their bfloat16 roundings, or by their int8 dequantizations q·s with a scale per row,
    /// the weight matrices a step's products read: every matrix but the embedding (its row is the input,
    /// read in place), the attention's keys and score vector (SetMemory and the scores stay float32), the
    /// conditioning matrices (initial states stay float32) and peepholes (element-wise weights).
    /// </summary>
    private static void RoundProductWeights(IRnnModel model, WeightFormat format)
    {
        string[] float32 = ["embedding.", "key.", "score.", "condition.", "peephole"];
        foreach (var parameter in model.Parameters.Where(p => p.Shape.Count == 2 && !float32.Any(p.Name.Contains)))
        {
            var values = parameter.Value;
            int columns = parameter.Shape[1];
            for (int row = 0; row < values.Length; row += columns)
            {
                var weights = values.Slice(row, columns);
                float scale = 0f;
                foreach (float v in weights)
                {
                    scale = Math.Max(scale, Math.Abs(v));
                }

                scale /= Int8Weights.Levels;
                for (int i = 0; i < weights.Length; i++)
                {
                    weights[i] = format == WeightFormat.Int8
                        ? Int8Weights.Quantize(weights[i], scale) * scale
                        : BFloat16Weights.ToSingle(BFloat16Weights.FromSingle(weights[i]));
                }
            }
        }
    }
}
