using System;
using System.Linq;
using RnnGen.Numerics;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// <c>InferenceWeights = WeightFormat.BFloat16</c>: streaming steps read a bfloat16 copy of the
/// weight matrices of their products and compute everything else in float32. (Stream batches against
/// single steps, and split steps against one thread, are checked in bfloat16 too: see
/// <see cref="StreamBatchTests"/> and <see cref="UnitSplitTests"/>.)
/// </summary>
public sealed class CompactWeightsTests
{
    /// <summary>
    /// A bfloat16 step computes exactly what a float32 step computes with those weight matrices rounded
    /// to bfloat16 (the widening is exact and the chains of multiply–adds are the same), bit for bit,
    /// for every fixture model.
    /// </summary>
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void BFloat16Step_IsTheFloat32StepOfTheRoundedWeights(string model)
    {
        float[] compact = Streamed(model, WeightFormat.BFloat16, round: false);
        float[] rounded = Streamed(model, WeightFormat.Float32, round: true);
        Assert.Equal(rounded, compact);

        // And it is not float32 by accident: the rounding changes the outputs.
        float[] full = Streamed(model, WeightFormat.Float32, round: false);
        Assert.NotEqual(full, compact);
    }

    /// <summary>
    /// The accuracy bound: on every fixture, the bfloat16 outputs stay within 1e-2 of the float32 ones,
    /// relative to the largest float32 output.
    /// </summary>
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void BFloat16Step_StaysWithinOnePercentOfFloat32(string model)
    {
        float[] full = Streamed(model, WeightFormat.Float32, round: false);
        float[] compact = Streamed(model, WeightFormat.BFloat16, round: false);
        double scale = full.Max(v => Math.Abs(v));
        double worst = full.Zip(compact, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-2 * scale, $"{model}: largest difference {worst:G4} against a largest output of {scale:G4} (bound 1e-2 relative).");
    }

    [Fact]
    public void TheCopyFollowsTheParameters_AndFloat32ComesBack()
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
        model.InferenceWeights = WeightFormat.BFloat16;
        Assert.Equal(WeightFormat.BFloat16, model.InferenceWeights);
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

    /// <summary>
    /// Forward reads the copy too, on one thread and split between two (by batch entries, and by hidden
    /// units at batch size 1) with the same bits; Backward refuses its activations, TrainStep and Evaluate
    /// stay float32.
    /// </summary>
    [Theory]
    [InlineData("Lstm3Mse")]
    [InlineData("SplitLstm")]
    [InlineData("AttnDecoder")]
    public void BFloat16Forward_IsTheSameOnTwoThreads_AndTrainingStaysFloat32(string model)
    {
        float[] Forward(WeightFormat format, int threads)
        {
            using var h = model.StartsWith("Split", StringComparison.Ordinal) ? UnitSplitTests.CreateSplitModel(model, length: null) : FixtureModelsCatalog.Load(model).Model;
            h.Model.InferenceWeights = format;
            h.Model.Threads = threads;
            var outputs = new float[h.OutputCount];
            h.InferenceForward(outputs);
            return outputs;
        }

        float[] float32 = Forward(WeightFormat.Float32, 1);
        float[] bfloat16 = Forward(WeightFormat.BFloat16, 1);
        Assert.NotEqual(float32, bfloat16);
        Assert.Equal(bfloat16, Forward(WeightFormat.BFloat16, 2));

        using var t = model.StartsWith("Split", StringComparison.Ordinal) ? UnitSplitTests.CreateSplitModel(model, length: null) : FixtureModelsCatalog.Load(model).Model;
        using var f = model.StartsWith("Split", StringComparison.Ordinal) ? UnitSplitTests.CreateSplitModel(model, length: null) : FixtureModelsCatalog.Load(model).Model;
        t.Model.InferenceWeights = WeightFormat.BFloat16;
        Assert.Equal(f.TrainStep(), t.TrainStep());
        Assert.Equal(f.Evaluate(), t.Evaluate());
        AssertGradientsEqual(f.Model, t.Model);
    }

    [Fact]
    public void Backward_RefusesTheActivationsOfABFloat16Forward()
    {
        var (h, _) = FixtureModelsCatalog.Load("Lstm3Mse");
        using (h)
        {
            var model = (Lstm3Mse)h.Model;
            var outputs = new float[h.OutputCount];
            var gradients = new float[h.OutputCount];
            gradients.AsSpan().Fill(0.1f);
            model.InferenceWeights = WeightFormat.BFloat16;
            h.InferenceForward(outputs);
            var error = Assert.Throws<InvalidOperationException>(() => model.Backward(gradients));
            Assert.Contains("bfloat16", error.Message);

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
        Assert.Contains("WeightFormat.BFloat16", error.Message);
        Assert.Equal(WeightFormat.Float32, model.InferenceWeights);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.InferenceWeights = WeightFormat.BFloat16);
    }

    [Fact]
    public void BFloat16Step_AllocatesNothing()
    {
        var fixture = Fixture.Load("CharLstm");
        using var model = new CharLstm(seed: 3) { InferenceWeights = WeightFormat.BFloat16 };
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
    private static float[] Streamed(string model, WeightFormat format, bool round)
    {
        var (h, _) = FixtureModelsCatalog.Load(model);
        using (h)
        {
            if (round)
            {
                RoundProductWeights(h.Model);
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
    /// Rounds to bfloat16 the weight matrices a step's products read: every matrix but the embedding
    /// (its row is the input, read in place), the attention's keys and score vector (SetMemory and the
    /// scores stay float32), the conditioning matrices (initial states stay float32) and peepholes
    /// (element-wise weights).
    /// </summary>
    private static void RoundProductWeights(IRnnModel model)
    {
        string[] float32 = ["embedding.", "key.", "score.", "condition.", "peephole"];
        foreach (var parameter in model.Parameters.Where(p => p.Shape.Count == 2 && !float32.Any(p.Name.Contains)))
        {
            var values = parameter.Value;
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BFloat16Weights.ToSingle(BFloat16Weights.FromSingle(values[i]));
            }
        }
    }
}
