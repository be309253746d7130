using System;
using System.Linq;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// Variable lengths, the batch's initial and final state, Backward from caller-supplied gradients,
/// truncated BPTT with CarryState, and chaining two models through their states.
/// </summary>
public sealed class SequenceApiTests
{
    [Fact]
    public void Lengths_AreValidated_AndARejectedCallChangesNothing()
    {
        using var model = new Lstm1(seed: 1);
        int[] inputs = new int[Lstm1.BatchSize * Lstm1.SequenceLength];
        int[] targets = new int[Lstm1.BatchSize * Lstm1.SequenceLength];
        var outputs = new float[Lstm1.BatchSize * Lstm1.SequenceLength * Lstm1.OutputSize];

        Assert.Throws<InvalidOperationException>(() => model.Backward(outputs));
        Assert.Throws<ArgumentException>(() => model.Forward(inputs, new[] { 1, 2 }, outputs));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(inputs, new[] { 1, 7, 2 }, outputs));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(inputs, new[] { 1, -1, 2 }, outputs));
        Assert.Throws<ArgumentException>(() => model.TrainStep(inputs, new[] { 0, 0, 0 }, targets));

        // Padding is not read: an invalid token or class there is accepted, but not at a real step.
        inputs[(1 * Lstm1.SequenceLength) + 4] = -1;
        targets[(1 * Lstm1.SequenceLength) + 4] = -100;
        model.TrainStep(inputs, new[] { 6, 4, 6 }, targets);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(inputs, new[] { 6, 5, 6 }, targets));

        // A call rejected by validation changes nothing: Backward still sees the last completed pass.
        model.Backward(new float[outputs.Length]);
        model.Forward(inputs, new[] { 6, 4, 6 }, outputs);
        model.Backward(new float[outputs.Length]);
        Assert.Throws<ArgumentException>(() => model.Backward(new float[outputs.Length - 1]));
    }

    [Fact]
    public void StateViews_HaveTheirShapes_AndCellViewsNeedAnLstm()
    {
        using var model = new Mixed();
        Assert.Equal(3, Mixed.LayerCount);
        Assert.Equal(new[] { 19, 24, 8 }, Enumerable.Range(0, 3).Select(model.HiddenSize));
        Assert.Equal(new[] { true, false, false }, Enumerable.Range(0, 3).Select(model.HasCellState));
        Assert.Equal(Mixed.BatchSize * 24, model.InitialHidden(1).Length);
        Assert.Equal(Mixed.BatchSize * 19, model.FinalCellGradient(0).Length);
        Assert.Throws<InvalidOperationException>(() => model.InitialCell(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.FinalHidden(3));
        Assert.True(model.InitialHidden(0).ToArray().All(v => v == 0));
    }

    /// <summary>
    /// Backward from d(loss)/d(outputs) gives the gradients TrainStep gives for that loss: the mean
    /// squared error's gradient 2·(y − target)/(rows·O) is handed over explicitly.
    /// </summary>
    [Fact]
    public void Backward_FromTheLossGradient_GivesTrainStepsGradients()
    {
        var fixture = Fixture.Load("Lstm3Mse.ragged");
        using var model = new Lstm3Mse();
        fixture.CopyParametersTo(model.Parameters);
        fixture.CopyStatesTo(model);
        float[] inputs = fixture.FloatInputs, targets = fixture.FloatTargets;
        int[] lengths = fixture.Lengths!;
        model.TrainStep(inputs, lengths, targets);
        float[][] expected = model.Parameters.Select(p => p.Gradient.ToArray()).ToArray();
        float[][] expectedInitial = Enumerable.Range(0, Lstm3Mse.LayerCount).Select(l => model.InitialHiddenGradient(l).ToArray()).ToArray();

        var outputs = new float[inputs.Length / Lstm3Mse.InputSize * Lstm3Mse.OutputSize];
        model.Forward(inputs, lengths, outputs);
        int realRows = lengths.Sum();
        var dy = new float[outputs.Length];
        for (int b = 0; b < Lstm3Mse.BatchSize; b++)
        {
            for (int i = 0; i < lengths[b] * Lstm3Mse.OutputSize; i++)
            {
                int k = (b * Lstm3Mse.SequenceLength * Lstm3Mse.OutputSize) + i;
                dy[k] = 2f * (outputs[k] - targets[k]) / (realRows * Lstm3Mse.OutputSize);
            }
        }

        model.Backward(dy);
        for (int i = 0; i < expected.Length; i++)
        {
            Tolerance.AssertClose(model.Parameters[i].Gradient, expected[i], 1e-5, model.Parameters[i].Name);
        }

        for (int l = 0; l < Lstm3Mse.LayerCount; l++)
        {
            Tolerance.AssertClose(model.InitialHiddenGradient(l), expectedInitial[l], 1e-5, $"d/d(h0) of layer {l}");
        }
    }

    /// <summary>
    /// Truncated BPTT's forward half: a stream cut into chunks of SequenceLength, each started from
    /// the previous chunk's final state with CarryState, gives the outputs of stepping the whole
    /// stream, bit for bit.
    /// </summary>
    [Fact]
    public void CarryState_ContinuesAStreamAcrossChunks()
    {
        using var model = new Gru2(seed: 5);
        const int chunks = 3, t = Gru2.SequenceLength, batch = Gru2.BatchSize;
        var random = new Random(11);
        int[][] stream = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, chunks * t).Select(_ => random.Next(Gru2.InputSize)).ToArray()).ToArray();

        var chunked = new float[batch][];
        for (int b = 0; b < batch; b++)
        {
            chunked[b] = new float[chunks * t * Gru2.OutputSize];
        }

        var inputs = new int[batch * t];
        var outputs = new float[batch * t * Gru2.OutputSize];
        model.ResetInitialState();
        for (int c = 0; c < chunks; c++)
        {
            for (int b = 0; b < batch; b++)
            {
                Array.Copy(stream[b], c * t, inputs, b * t, t);
            }

            model.Forward(inputs, outputs);
            model.CarryState();
            for (int b = 0; b < batch; b++)
            {
                Array.Copy(outputs, b * t * Gru2.OutputSize, chunked[b], c * t * Gru2.OutputSize, t * Gru2.OutputSize);
            }
        }

        var step = new float[Gru2.OutputSize];
        for (int b = 0; b < batch; b++)
        {
            using var state = model.NewState();
            for (int i = 0; i < chunks * t; i++)
            {
                model.Step(state, stream[b][i], step);
                Assert.Equal(chunked[b].AsSpan(i * Gru2.OutputSize, Gru2.OutputSize).ToArray(), step);
            }
        }

        model.ResetInitialState();
        Assert.True(model.InitialHidden(0).ToArray().All(v => v == 0));
    }

    /// <summary>
    /// Two models chained through their state, trained end to end: A's final state is B's initial
    /// state, and B's initial-state gradient goes back into A through FinalHiddenGradient and
    /// Backward. A's parameter gradients then match central differences of B's loss.
    /// </summary>
    [Fact]
    public void ChainedModels_GradientFlowsFromOneModelsLossIntoTheOther()
    {
        var fixture = Fixture.Load("Lstm1");
        int[] inputs = fixture.TokenInputs, targets = fixture.ClassTargets;
        int[] inputsA = inputs.Reverse().ToArray();
        using var a = new Lstm1(seed: 21);
        using var b = new Lstm1(seed: 22);
        var outputs = new float[Lstm1.BatchSize * Lstm1.SequenceLength * Lstm1.OutputSize];
        int[] lengthsA = [6, 2, 4];

        double Loss()
        {
            a.Forward(inputsA, lengthsA, outputs);
            a.FinalHidden(0).CopyTo(b.InitialHidden(0));
            a.FinalCell(0).CopyTo(b.InitialCell(0));
            return b.Evaluate(inputs, targets);
        }

        Loss();
        b.TrainStep(inputs, targets);
        b.InitialHiddenGradient(0).CopyTo(a.FinalHiddenGradient(0));
        b.InitialCellGradient(0).CopyTo(a.FinalCellGradient(0));
        a.Backward(new float[outputs.Length]); // A's own outputs feed no loss
        Assert.Equal(0f, a.Parameters.Single(p => p.Name == "dense.weight").Gradient.ToArray().Max(Math.Abs));

        foreach (string name in new[] { "lstm.weight_hh_l0", "embedding.weight" })
        {
            var p = a.Parameters.Single(q => q.Name == name);
            float[] analytic = p.Gradient.ToArray();
            double scale = analytic.Max(v => Math.Abs((double)v));
            Assert.True(scale > 1e-4, $"{name}: the chained gradient is missing");
            for (int i = 0; i < analytic.Length; i++)
            {
                const float epsilon = 1e-2f;
                float original = p.Value[i];
                p.Value[i] = original + epsilon;
                double plus = Loss();
                p.Value[i] = original - epsilon;
                double minus = Loss();
                p.Value[i] = original;
                double numeric = (plus - minus) / (2 * epsilon);
                Assert.True(Math.Abs(numeric - analytic[i]) <= (1e-2 * scale) + 1e-5, $"{name}[{i}]: {analytic[i]} vs central difference {numeric}");
            }
        }
    }

    [Fact]
    public void LengthsOverloads_AllocateNothing()
    {
        var fixture = Fixture.Load("Gru2.ragged");
        using var model = new Gru2(seed: 3);
        int[] inputs = fixture.TokenInputs, targets = fixture.ClassTargets, lengths = fixture.Lengths!;
        var outputs = new float[Gru2.BatchSize * Gru2.SequenceLength * Gru2.OutputSize];
        Assert.Equal(0, Allocations.AfterWarmUp(() =>
        {
            model.TrainStep(inputs, lengths, targets);
            model.Evaluate(inputs, lengths, targets);
            model.Forward(inputs, lengths, outputs);
            model.Backward(outputs);
            model.CarryState();
        }));
    }

    /// <summary>
    /// A conditioned model: d(loss)/d(conditioning vectors) matches PyTorch, and a stream started with
    /// InitialiseState from one sequence's vector starts from the state Forward computed for it.
    /// </summary>
    [Fact]
    public void Condition_GradientMatchesPyTorch_AndInitialiseStateMatchesForward()
    {
        var (h, fixture) = FixtureModelsCatalog.Load("CondLstm");
        using (h)
        {
            var model = (CondLstm)h.Model;
            h.TrainStep();
            Tolerance.AssertClose(model.ConditionGradient, fixture.Tensor("dcondition"), 5e-4, "d(loss)/d(condition)");

            float[] conditions = model.Conditions.ToArray();
            using var state = model.NewState();
            for (int b = 0; b < CondLstm.BatchSize; b++)
            {
                model.InitialiseState(state, conditions.AsSpan(b * CondLstm.ConditionSize, CondLstm.ConditionSize));
                for (int layer = 0; layer < CondLstm.LayerCount; layer++)
                {
                    int size = model.HiddenSize(layer);
                    Assert.Equal(model.InitialHidden(layer).Slice(b * size, size).ToArray(), state.Hidden(layer).ToArray());
                }

                Assert.Equal(model.InitialCell(0).Slice(b * 12, 12).ToArray(), state.Cell(0).ToArray());
            }

            Assert.Throws<InvalidOperationException>(model.CarryState);
            Assert.Throws<ArgumentException>(() => model.InitialiseState(state, new float[3]));
            using var plain = new Lstm1();
            Assert.Equal(0, plain.Conditions.Length);
            Assert.Equal(0, Lstm1.ConditionSize);
        }
    }

    /// <summary>
    /// Attention: d(loss)/d(memory) and the attention weights match PyTorch; the weights are zero past
    /// each memory length and sum to one; streams need their memory before stepping.
    /// </summary>
    [Fact]
    public void Attention_MemoryGradientAndWeightsMatchPyTorch()
    {
        var (h, fixture) = FixtureModelsCatalog.Load("AttnDecoder");
        using (h)
        {
            var model = (AttnDecoder)h.Model;
            h.TrainStep();
            Tolerance.AssertClose(model.MemoryGradient, fixture.Tensor("dmemory"), 5e-4, "d(loss)/d(memory)");
            float[] alpha = fixture.Tensor("alpha"); // [B, T, Tm]
            for (int b = 0; b < AttnDecoder.BatchSize; b++)
            {
                for (int t = 0; t < AttnDecoder.SequenceLength; t++)
                {
                    var weights = model.AttentionWeights(b, t);
                    Tolerance.AssertClose(weights, alpha.AsSpan(((b * AttnDecoder.SequenceLength) + t) * AttnDecoder.MemoryLength, AttnDecoder.MemoryLength), 1e-4, $"alpha[{b}, {t}]");
                    Assert.Equal(1.0, weights.ToArray().Sum(v => (double)v), 5);
                    Assert.All(weights[model.MemoryLengths[b]..].ToArray(), v => Assert.Equal(0f, v));
                }
            }

            using var state = model.NewState();
            Assert.Throws<InvalidOperationException>(() => model.Step(state, 0, new float[AttnDecoder.OutputSize]));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.SetMemory(state, new float[AttnDecoder.MemoryLength * AttnDecoder.MemorySize], 0));
            Assert.Throws<ArgumentException>(() => model.SetMemory(state, new float[5], 1));
            model.MemoryLengths[1] = 0;
            Assert.Throws<InvalidOperationException>(() => h.TrainStep());
            model.MemoryLengths[1] = AttnDecoder.MemoryLength + 1;
            Assert.Throws<InvalidOperationException>(() => h.Forward(new float[h.OutputCount]));
        }
    }

    /// <summary>
    /// An encoder–decoder trained end to end through attention and the state: the encoder's outputs are
    /// the decoder's memory and its final state the decoder's initial state, with decoder sequences of
    /// different lengths; the encoder's gradients (from MemoryGradient and InitialHiddenGradient)
    /// match central differences of the decoder's loss.
    /// </summary>
    [Fact]
    public void EncoderDecoder_WithAttention_GradientsReachTheEncoder()
    {
        using var encoder = new Encoder7(seed: 31);
        using var decoder = new AttnDecoder(seed: 32);
        var random = new Random(5);
        int[] source = Enumerable.Range(0, Encoder7.BatchSize * Encoder7.SequenceLength).Select(_ => random.Next(Encoder7.InputSize)).ToArray();
        int[] sourceLengths = [6, 3, 5];
        int[] target = Enumerable.Range(0, AttnDecoder.BatchSize * AttnDecoder.SequenceLength).Select(_ => random.Next(AttnDecoder.InputSize)).ToArray();
        int[] targetLengths = [4, 2, 3];
        var encoded = new float[Encoder7.BatchSize * Encoder7.SequenceLength * Encoder7.OutputSize];

        double Loss()
        {
            encoder.Forward(source, sourceLengths, encoded);
            encoded.CopyTo(decoder.Memory);
            sourceLengths.CopyTo(decoder.MemoryLengths);
            encoder.FinalHidden(0).CopyTo(decoder.InitialHidden(0));
            encoder.FinalCell(0).CopyTo(decoder.InitialCell(0));
            return decoder.Evaluate(target, targetLengths, target);
        }

        Loss();
        decoder.TrainStep(target, targetLengths, target);
        decoder.InitialHiddenGradient(0).CopyTo(encoder.FinalHiddenGradient(0));
        decoder.InitialCellGradient(0).CopyTo(encoder.FinalCellGradient(0));
        encoder.Backward(decoder.MemoryGradient);

        foreach (string name in new[] { "lstm.weight_ih_l0", "dense.weight" })
        {
            var p = encoder.Parameters.Single(q => q.Name == name);
            float[] analytic = p.Gradient.ToArray();
            double scale = analytic.Max(v => Math.Abs((double)v));
            Assert.True(scale > 1e-4, $"{name}: the encoder's gradient is missing");
            for (int i = 0; i < analytic.Length; i += 3)
            {
                const float epsilon = 1e-2f;
                float original = p.Value[i];
                p.Value[i] = original + epsilon;
                double plus = Loss();
                p.Value[i] = original - epsilon;
                double minus = Loss();
                p.Value[i] = original;
                double numeric = (plus - minus) / (2 * epsilon);
                Assert.True(Math.Abs(numeric - analytic[i]) <= (1e-2 * scale) + 1e-5, $"{name}[{i}]: {analytic[i]} vs central difference {numeric}");
            }
        }
    }
}

/// <summary>An encoder whose outputs (its dense head, 7 per step) are AttnDecoder's memory and whose LSTM state is its initial state.</summary>
[RnnModel(SequenceLength = 6, BatchSize = 3)]
[Embedding(Vocabulary = 10, Dimensions = 4)]
[Lstm(Hidden = 11)]
[Dense(Outputs = 7)]
[MeanSquaredError]
public partial class Encoder7;
