using System;
using System.Linq;
using Xunit;

namespace RnnGen.Models.Tests;

[RnnModel(SequenceLength = 6, BatchSize = 1)]
[Input(Features = 3)]
[Lstm(Hidden = 5)]
[Dense(Outputs = 2)]
[MeanSquaredError]
public partial class TapLstm;

[RnnModel(SequenceLength = 6, BatchSize = 1)]
[Input(Features = 3)]
[Gru(Hidden = 5)]
[Dense(Outputs = 2)]
[MeanSquaredError]
public partial class TapGru;

[RnnModel(SequenceLength = 6, BatchSize = 1)]
[Input(Features = 3)]
[Lstm(Hidden = 5)]
[Dropout(0.5)]
[Dense(Outputs = 2)]
[MeanSquaredError]
public partial class TapDropout;

/// <summary>
/// Taps: the tapped Step and Process give the outputs and states of the untapped ones bit for bit, on every
/// fixture model (every cell kind, built-in and written in C#); their values are the ones the step uses
/// (the states Forward ends with; the gates of an LSTM and a GRU evaluated independently from the weights);
/// a supplied buffer means no allocation; a buffer of the wrong size is refused.
/// </summary>
public sealed class TapTests
{
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void Taps_LeaveTheStepsUnchanged_AndEndOnForwardsFinalStates(string model)
    {
        var (h, _) = FixtureModelsCatalog.Load(model);
        using (h)
        {
            var tapped = h.Tapped;
            int size = tapped.TapSize, t = h.Model.SequenceLength, o = h.Model.OutputSize;

            // The layout tiles [0, TapSize): each value right after the one before.
            Assert.Equal(0, tapped.Taps[0].Offset);
            for (int i = 1; i < tapped.Taps.Count; i++)
            {
                Assert.Equal(tapped.Taps[i - 1].Offset + tapped.Taps[i - 1].Width, tapped.Taps[i].Offset);
            }

            Assert.Equal(size, tapped.Taps[^1].Offset + tapped.Taps[^1].Width);
            Assert.Equal(Enumerable.Range(0, h.Model.LayerCount), tapped.Taps.Select(x => x.Layer).Distinct());

            var forward = new float[h.OutputCount];
            h.InferenceForward(forward);
            for (int b = 0; b < h.Model.BatchSize; b++)
            {
                var stepped = new float[t * o];
                int steps = h.Stream(b, stepped);
                foreach (int block in new[] { 0, 3 })
                {
                    var outputs = new float[t * o];
                    var taps = new float[t * size];
                    Assert.Equal(steps, h.StreamTaps(b, block, outputs, taps));
                    Assert.Equal(stepped, outputs);
                    if (steps == 0)
                    {
                        continue;
                    }

                    // The last step's states are the ones Forward ends the sequence with.
                    var last = taps.AsSpan((steps - 1) * size, size);
                    for (int layer = 0; layer < h.Model.LayerCount; layer++)
                    {
                        TapInfo hidden = tapped.Taps.Single(x => x.Layer == layer && x.State == 0);
                        int width = h.Model.HiddenSize(layer);
                        Assert.Equal(width, hidden.Width);
                        Assert.Equal(h.Model.FinalHidden(layer).Slice(b * width, width).ToArray(), last.Slice(hidden.Offset, width).ToArray());
                        if (tapped.Taps.SingleOrDefault(x => x.Layer == layer && x.State == 1) is { } cell)
                        {
                            int c = h.Model.CellSize(layer);
                            Assert.Equal(h.Model.FinalCell(layer).Slice(b * c, c).ToArray(), last.Slice(cell.Offset, c).ToArray());
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Forward with taps: Forward's outputs and final states bit for bit, and for each sequence of the batch the
    /// taps of streaming it with the tapped Step, zero past its length.
    /// </summary>
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void ForwardTaps_AreForwardsOutputs_AndEachSequencesStreamedTaps(string model)
    {
        var (h, _) = FixtureModelsCatalog.Load(model);
        using (h)
        {
            int size = h.Tapped.TapSize, t = h.Model.SequenceLength, o = h.Model.OutputSize;
            var forward = new float[h.OutputCount];
            h.InferenceForward(forward);
            var finals = Enumerable.Range(0, h.Model.LayerCount).Select(l => h.Model.FinalHidden(l).ToArray()).ToArray();

            var outputs = new float[h.OutputCount];
            var taps = new float[h.Model.BatchSize * t * size];
            taps.AsSpan().Fill(float.NaN);
            h.ForwardTaps(outputs, taps);
            Assert.Equal(forward, outputs);
            for (int layer = 0; layer < h.Model.LayerCount; layer++)
            {
                Assert.Equal(finals[layer], h.Model.FinalHidden(layer).ToArray());
            }

            for (int b = 0; b < h.Model.BatchSize; b++)
            {
                var streamed = new float[t * size];
                int steps = h.StreamTaps(b, 0, new float[t * o], streamed);
                var row = taps.AsSpan(b * t * size, t * size);
                Assert.Equal(streamed.AsSpan(0, steps * size).ToArray(), row.Slice(0, steps * size).ToArray());
                Assert.True(row.Slice(steps * size).IndexOfAnyExcept(0f) < 0, $"sequence {b}: taps past its {steps} steps are not zero");
            }
        }
    }

    /// <summary>
    /// Forward with taps refuses a buffer of the wrong size and a training pass (Step never drops out) before it
    /// changes anything, and allocates nothing after its first call.
    /// </summary>
    [Fact]
    public void ForwardTaps_AllocateNothing_AndRefuseAWrongBufferOrATrainingPass()
    {
        using var model = new TapLstm(seed: 3);
        float[] inputs = Inputs(6 * 3);
        var outputs = new float[6 * 2];
        var taps = new float[6 * TapLstm.TapSize];
        Assert.Equal(0, Allocations.AfterWarmUp(() => model.Forward(inputs, outputs, taps)));
        int[] lengths = [4];
        Assert.Equal(0, Allocations.AfterWarmUp(() => model.Forward(inputs, lengths, outputs, taps)));
        Assert.True(taps.AsSpan(4 * TapLstm.TapSize).IndexOfAnyExcept(0f) < 0);

        var untouched = new float[6 * 2];
        untouched.AsSpan().Fill(float.NaN);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(inputs, untouched, new float[(6 * TapLstm.TapSize) - 1]));
        Assert.Equal("taps", error.ParamName);
        Assert.True(untouched.All(float.IsNaN));

        using var dropout = new TapDropout(seed: 3);
        dropout.Forward(inputs, outputs, taps);
        var before = dropout.FinalHidden(0).ToArray();
        dropout.Training = true;
        Assert.Throws<InvalidOperationException>(() => dropout.Forward(inputs, untouched, taps));
        Assert.True(untouched.All(float.IsNaN));
        Assert.Equal(before, dropout.FinalHidden(0).ToArray());
        dropout.Training = false;
        dropout.Forward(inputs, untouched, taps);
        Assert.Equal(outputs, untouched);
    }

    /// <summary>An LSTM's i, f, g, o, c, tanh(c) and h at each step, against PyTorch's equations evaluated in double from the weights and the previous step's taps.</summary>
    [Fact]
    public void LstmTaps_AreTheGatesOfTheEquations()
    {
        using var model = new TapLstm(seed: 3);
        float[] x = Inputs(6 * 3);
        var taps = new float[6 * TapLstm.TapSize];
        using var state = model.NewState();
        model.Process(state, x, new float[6 * 2], taps);
        Assert.Equal(["i", "f", "g", "c", "o", "tanhC", "h"], TapLstm.Taps.Select(t => t.Name));
        Assert.Equal([-1, -1, -1, 1, -1, -1, 0], TapLstm.Taps.Select(t => t.State));

        float[] wi = Parameter(model, "weight_ih_l0"), wh = Parameter(model, "weight_hh_l0"), bi = Parameter(model, "bias_ih_l0"), bh = Parameter(model, "bias_hh_l0");
        const int H = 5, I = 3;
        double[] hPrev = new double[H], cPrev = new double[H];
        for (int step = 0; step < 6; step++)
        {
            double Pre(int row)
            {
                double sum = bi[row] + bh[row];
                for (int k = 0; k < I; k++)
                {
                    sum += wi[(row * I) + k] * x[(step * I) + k];
                }

                for (int k = 0; k < H; k++)
                {
                    sum += wh[(row * H) + k] * hPrev[k];
                }

                return sum;
            }

            var at = taps.AsSpan(step * TapLstm.TapSize);
            for (int u = 0; u < H; u++)
            {
                double i = Sigmoid(Pre(u)), f = Sigmoid(Pre(H + u)), g = Math.Tanh(Pre((2 * H) + u)), o = Sigmoid(Pre((3 * H) + u));
                double c = (f * cPrev[u]) + (i * g);
                Near(i, at[Tap(TapLstm.Taps, "i") + u]);
                Near(f, at[Tap(TapLstm.Taps, "f") + u]);
                Near(g, at[Tap(TapLstm.Taps, "g") + u]);
                Near(o, at[Tap(TapLstm.Taps, "o") + u]);
                Near(c, at[Tap(TapLstm.Taps, "c") + u]);
                Near(Math.Tanh(c), at[Tap(TapLstm.Taps, "tanhC") + u]);
                Near(o * Math.Tanh(c), at[Tap(TapLstm.Taps, "h") + u]);
            }

            // The next step starts from this step's tapped state, so each step is checked on its own.
            for (int u = 0; u < H; u++)
            {
                hPrev[u] = at[Tap(TapLstm.Taps, "h") + u];
                cPrev[u] = at[Tap(TapLstm.Taps, "c") + u];
            }
        }
    }

    /// <summary>A GRU's r, z, n and h, as PyTorch defines them (the reset gate applied after the hidden product).</summary>
    [Fact]
    public void GruTaps_AreTheGatesOfTheEquations()
    {
        using var model = new TapGru(seed: 4);
        float[] x = Inputs(6 * 3);
        var taps = new float[6 * TapGru.TapSize];
        using var state = model.NewState();
        for (int step = 0; step < 6; step++)
        {
            model.Step(state, x.AsSpan(step * 3, 3), new float[2], taps.AsSpan(step * TapGru.TapSize, TapGru.TapSize));
        }

        Assert.Equal(["r", "z", "n", "h"], TapGru.Taps.Where(t => t.Name is "r" or "z" or "n" or "h").Select(t => t.Name));
        float[] wi = Parameter(model, "weight_ih_l0"), wh = Parameter(model, "weight_hh_l0"), bi = Parameter(model, "bias_ih_l0"), bh = Parameter(model, "bias_hh_l0");
        const int H = 5, I = 3;
        double[] hPrev = new double[H];
        for (int step = 0; step < 6; step++)
        {
            double Input(int row)
            {
                double sum = bi[row];
                for (int k = 0; k < I; k++)
                {
                    sum += wi[(row * I) + k] * x[(step * I) + k];
                }

                return sum;
            }

            double Hidden(int row)
            {
                double sum = bh[row];
                for (int k = 0; k < H; k++)
                {
                    sum += wh[(row * H) + k] * hPrev[k];
                }

                return sum;
            }

            var at = taps.AsSpan(step * TapGru.TapSize);
            for (int u = 0; u < H; u++)
            {
                double r = Sigmoid(Input(u) + Hidden(u)), z = Sigmoid(Input(H + u) + Hidden(H + u));
                double n = Math.Tanh(Input((2 * H) + u) + (r * Hidden((2 * H) + u)));
                Near(r, at[Tap(TapGru.Taps, "r") + u]);
                Near(z, at[Tap(TapGru.Taps, "z") + u]);
                Near(n, at[Tap(TapGru.Taps, "n") + u]);
                Near(((1 - z) * n) + (z * hPrev[u]), at[Tap(TapGru.Taps, "h") + u]);
            }

            for (int u = 0; u < H; u++)
            {
                hPrev[u] = at[Tap(TapGru.Taps, "h") + u];
            }
        }
    }

    [Fact]
    public void TappedSteps_AllocateNothing_AndRefuseABufferOfTheWrongSize()
    {
        using var model = new TapLstm(seed: 1);
        using var state = model.NewState();
        float[] input = Inputs(3), block = Inputs(4 * 3);
        var output = new float[2];
        var outputs = new float[4 * 2];
        var taps = new float[TapLstm.TapSize];
        var blockTaps = new float[4 * TapLstm.TapSize];
        Assert.Equal(0, Allocations.AfterWarmUp(() =>
        {
            model.Step(state, input, output, taps);
            model.Process(state, block, outputs, blockTaps);
        }));

        var before = state.Hidden(0).ToArray();
        var error = Assert.Throws<ArgumentException>(() => model.Step(state, input, output, new float[TapLstm.TapSize - 1]));
        Assert.Equal("taps", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => model.Process(state, block, outputs, new float[TapLstm.TapSize]));
        Assert.Equal("taps", error.ParamName);
        Assert.Equal(before, state.Hidden(0).ToArray());
    }

    /// <summary>
    /// A stream batch's tapped Step: outputs and states those of the untapped stream-batch Step, and each stream's
    /// taps those of the tapped one-stream Step, bit for bit; no allocation after the first call.
    /// </summary>
    [Fact]
    public void StreamBatchTaps_AreEachStreamsTaps()
    {
        using var model = new TapLstm(seed: 5);
        const int count = 3, steps = 4;
        using var plain = model.NewStreams(count);
        using var tapped = model.NewStreams(count);
        var singles = Enumerable.Range(0, count).Select(_ => model.NewState()).ToArray();
        float[] inputs = Inputs(steps * count * 3);
        for (int t = 0; t < steps; t++)
        {
            var x = inputs.AsSpan(t * count * 3, count * 3);
            var expected = new float[count * 2];
            model.Step(plain, x, expected);
            var outputs = new float[count * 2];
            var taps = new float[count * TapLstm.TapSize];
            model.Step(tapped, x, outputs, taps);
            Assert.Equal(expected, outputs);
            for (int r = 0; r < count; r++)
            {
                var single = new float[TapLstm.TapSize];
                model.Step(singles[r], x.Slice(r * 3, 3), new float[2], single);
                Assert.Equal(single, taps.AsSpan(r * TapLstm.TapSize, TapLstm.TapSize).ToArray());
                Assert.Equal(plain.Hidden(r, 0).ToArray(), tapped.Hidden(r, 0).ToArray());
                Assert.Equal(plain.Cell(r, 0).ToArray(), tapped.Cell(r, 0).ToArray());
            }
        }

        var y = new float[count * 2];
        var z = new float[count * TapLstm.TapSize];
        float[] block = Inputs(count * 3);
        Assert.Equal(0, Allocations.AfterWarmUp(() => model.Step(tapped, block, y, z)));
        Assert.Throws<ArgumentException>(() => model.Step(tapped, block, y, new float[TapLstm.TapSize]));
        foreach (var single in singles)
        {
            single.Dispose();
        }
    }

    private static int Tap(System.Collections.Generic.IReadOnlyList<TapInfo> taps, string name) => taps.Single(t => t.Name == name).Offset;

    private static float[] Parameter(IRnnModel model, string suffix) => model.Parameters.Single(p => p.Name.EndsWith("." + suffix, StringComparison.Ordinal)).Value.ToArray();

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>Float arithmetic against double: within 2e-6 (activations are accurate to about 1e-7, and the sums have a few terms).</summary>
    private static void Near(double expected, float actual) => Assert.True(Math.Abs(expected - actual) <= 2e-6, $"expected {expected}, got {actual}");

    private static float[] Inputs(int count)
    {
        var random = new RandomSource(17);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextGaussian();
        }

        return values;
    }
}
