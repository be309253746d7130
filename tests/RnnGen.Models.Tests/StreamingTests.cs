using System;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>Streaming <c>Step</c> runs the same kernels as <c>Forward</c>, one row at a time.</summary>
public sealed class StreamingTests
{
    /// <summary>
    /// Stepping a stream from row b of the batch's initial state through sequence b's real steps
    /// gives Forward's outputs for it bit for bit: every step for a synced model, and for a
    /// many-to-one model the output after the last real step.
    /// </summary>
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void Step_ReproducesForward_ForEveryBatchEntry(string model) => StepReproducesForward(model, WeightFormat.Float32);

    /// <summary>The same with bfloat16 inference weights, which Step and Forward both read.</summary>
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void Step_ReproducesForward_ForEveryBatchEntry_WithBFloat16Weights(string model) => StepReproducesForward(model, WeightFormat.BFloat16);

    /// <summary>The same with int8 inference weights: Step and Forward sum the same products and scale them alike.</summary>
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void Step_ReproducesForward_ForEveryBatchEntry_WithInt8Weights(string model) => StepReproducesForward(model, WeightFormat.Int8);

    private static void StepReproducesForward(string model, WeightFormat format)
    {
        var (h, _) = FixtureModelsCatalog.Load(model);
        using (h)
        {
            h.Model.InferenceWeights = format;
            int t = h.Model.SequenceLength, o = h.Model.OutputSize, rows = h.Model.OutputSteps;
            var forward = new float[h.OutputCount];
            h.InferenceForward(forward);
            var streamed = new float[t * o];
            for (int b = 0; b < h.Model.BatchSize; b++)
            {
                int steps = h.Stream(b, streamed);
                Assert.Equal(h.LengthOf(b), steps);

                // The kernels process rows independently, so one row at a time gives the same bits.
                if (rows == t)
                {
                    Assert.Equal(forward.AsSpan(b * t * o, steps * o).ToArray(), streamed.AsSpan(0, steps * o).ToArray());
                }
                else if (steps > 0)
                {
                    Assert.Equal(forward.AsSpan(b * o, o).ToArray(), streamed.AsSpan((steps - 1) * o, o).ToArray());
                }
            }
        }
    }

    [Fact]
    public void State_ResetAndCopyTo_RestoreAStream()
    {
        var (h, fixture) = FixtureModelsCatalog.Load("Lstm1");
        using (h)
        {
            var model = (Lstm1)h.Model;
            int[] tokens = fixture.TokenInputs;
            using var state = model.NewState();
            using var saved = model.NewState();
            var first = new float[Lstm1.OutputSize];
            var again = new float[Lstm1.OutputSize];

            model.Step(state, tokens[0], first);
            state.CopyTo(saved);
            model.Step(state, tokens[1], again);
            Assert.NotEqual(first, again);

            // Restoring the copy and repeating the step repeats its output exactly.
            var repeated = new float[Lstm1.OutputSize];
            saved.CopyTo(state);
            model.Step(state, tokens[1], repeated);
            Assert.Equal(again, repeated);

            // Reset returns to the initial (zero) state.
            state.Reset();
            model.Step(state, tokens[0], repeated);
            Assert.Equal(first, repeated);
            Assert.Equal(1, state.LayerCount);
            Assert.Equal(13, state.Hidden(0).Length);
            Assert.Equal(13, state.Cell(0).Length);
            Assert.Throws<ArgumentOutOfRangeException>(() => state.Hidden(1));
        }
    }

    [Fact]
    public void Step_RejectsBadArguments()
    {
        using var model = new Lstm1();
        using var state = model.NewState();
        var output = new float[Lstm1.OutputSize];
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(state, Lstm1.InputSize, output));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(state, -1, output));
        Assert.Throws<ArgumentException>(() => model.Step(state, 0, new float[Lstm1.OutputSize + 1]));
        Assert.Throws<ArgumentNullException>(() => model.Step(null!, 0, output));
        using var gru = new Gru1Mse();
        using var gruState = gru.NewState();
        Assert.Throws<InvalidOperationException>(() => gruState.Cell(0));
        Assert.Throws<ArgumentException>(() => gru.Step(gruState, new float[Gru1Mse.InputSize - 1], new float[Gru1Mse.OutputSize]));
    }
}
