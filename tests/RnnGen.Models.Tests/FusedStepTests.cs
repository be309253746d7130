using System;
using Xunit;

namespace RnnGen.Models.Tests;

// The audio shapes (one input sample, LSTM or GRU of 8–64 units, Dense 1): Step and Process over float32
// weights run them as one fused kernel per tier, the cell's blocks written out with the state's
// products in registers. Forward runs the separate product and cell kernels. On that path each layer
// also carries its h from step to step in registers, where its product's first 8 columns broadcast it
// from (the rest written out up to 256 multiply–adds, a loop beyond: the GRU of 64 units). A head of
// fewer than 4 outputs over 32 or more units runs 16 steps at a time at 512 bits (8 at 256), a step per
// lane, and the steps after the last whole 16 one at a time: blocks of 21 steps take both; the LSTM of
// 40 units, a row of its h that is not a whole number of vectors.

[RnnModel(SequenceLength = 48, BatchSize = 2)]
[Input(Features = 1)]
[Lstm(Hidden = 8)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class FusedLstm8;

[RnnModel(SequenceLength = 48, BatchSize = 2)]
[Input(Features = 2)]
[Lstm(Hidden = 16)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class FusedLstm16;

[RnnModel(SequenceLength = 48, BatchSize = 2)]
[Input(Features = 1)]
[Lstm(Hidden = 32)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class FusedLstm32;

// Two layers, each carrying its own h: the second layer's input product reads the first layer's new h.
[RnnModel(SequenceLength = 48, BatchSize = 2)]
[Input(Features = 3)]
[Lstm(Hidden = 16)]
[Gru(Hidden = 16)]
[Dense(Outputs = 2)]
[MeanSquaredError]
public partial class FusedLstmGru16;

[RnnModel(SequenceLength = 48, BatchSize = 2)]
[Input(Features = 1)]
[Lstm(Hidden = 40)]
[Dense(Outputs = 2)]
[MeanSquaredError]
public partial class FusedLstm40;

[RnnModel(SequenceLength = 48, BatchSize = 2)]
[Input(Features = 1)]
[Lstm(Hidden = 64)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class FusedLstm64;

[RnnModel(SequenceLength = 48, BatchSize = 2)]
[Input(Features = 1)]
[Gru(Hidden = 32)]
[Dense(Outputs = 3)]
[MeanSquaredError]
public partial class FusedGru32;

[RnnModel(SequenceLength = 48, BatchSize = 2)]
[Input(Features = 1)]
[Gru(Hidden = 64)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class FusedGru64;

[RnnModel(SequenceLength = 48, BatchSize = 2, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Lstm(Hidden = 16)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class FusedRationalLstm16;

[RnnModel(SequenceLength = 48, BatchSize = 2, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Gru(Hidden = 8)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class FusedRationalGru8;

/// <summary>
/// The fused step gives Forward's outputs bit for bit on the audio shapes, on every tier the tests
/// run on: a stream processed in blocks of 1, 5, 21 and 48 steps, and one Step at a time, from each batch
/// entry's initial state, and the final state Forward leaves.
/// </summary>
public sealed class FusedStepTests
{
    [Fact]
    public void Lstm8_ProcessIsForward() => ProcessIsForward<FusedLstm8, FusedLstm8.State>(new FusedLstm8(seed: 1));

    [Fact]
    public void Lstm16_TwoFeatures_ProcessIsForward() => ProcessIsForward<FusedLstm16, FusedLstm16.State>(new FusedLstm16(seed: 2));

    [Fact]
    public void Lstm32_ProcessIsForward() => ProcessIsForward<FusedLstm32, FusedLstm32.State>(new FusedLstm32(seed: 8));

    [Fact]
    public void LstmGru16_TwoLayers_ProcessIsForward() => ProcessIsForward<FusedLstmGru16, FusedLstmGru16.State>(new FusedLstmGru16(seed: 9));

    [Fact]
    public void Lstm40_TwoOutputs_ProcessIsForward() => ProcessIsForward<FusedLstm40, FusedLstm40.State>(new FusedLstm40(seed: 11));

    [Fact]
    public void Lstm64_ProcessIsForward() => ProcessIsForward<FusedLstm64, FusedLstm64.State>(new FusedLstm64(seed: 3));

    [Fact]
    public void Gru32_ThreeOutputs_ProcessIsForward() => ProcessIsForward<FusedGru32, FusedGru32.State>(new FusedGru32(seed: 4));

    [Fact]
    public void Gru64_ProcessIsForward() => ProcessIsForward<FusedGru64, FusedGru64.State>(new FusedGru64(seed: 10));

    [Fact]
    public void RationalLstm16_ProcessIsForward() => ProcessIsForward<FusedRationalLstm16, FusedRationalLstm16.State>(new FusedRationalLstm16(seed: 5));

    [Fact]
    public void RationalGru8_ProcessIsForward() => ProcessIsForward<FusedRationalGru8, FusedRationalGru8.State>(new FusedRationalGru8(seed: 6));

    private static void ProcessIsForward<TModel, TState>(TModel model)
        where TModel : IRnnModel<float, float>, IFeatureStreamingModel<TState>
        where TState : IRecurrentState
    {
        using (model)
        {
            int t = model.SequenceLength, b = model.BatchSize, f = model.InputSize, o = model.OutputSize;
            var random = new RandomSource(7);
            var inputs = new float[b * t * f];
            for (int i = 0; i < inputs.Length; i++)
            {
                inputs[i] = random.NextGaussian();
            }

            // A non-zero initial state, so the first step's products read real values.
            void Fill(Span<float> values)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = random.NextGaussian() * 0.5f;
                }
            }

            for (int layer = 0; layer < model.LayerCount; layer++)
            {
                Fill(model.InitialHidden(layer));
                if (model.HasCellState(layer))
                {
                    Fill(model.InitialCell(layer));
                }
            }

            var forward = new float[b * t * o];
            model.Forward(inputs, forward);
            // Blocks of 1, 5, 21 and t steps through Process, then (block 0) one Step per step.
            foreach (int block in new[] { 1, 5, 21, t, 0 })
            {
                for (int entry = 0; entry < b; entry++)
                {
                    using TState state = model.NewState();
                    for (int layer = 0; layer < model.LayerCount; layer++)
                    {
                        int h = model.HiddenSize(layer);
                        model.InitialHidden(layer).Slice(entry * h, h).CopyTo(state.Hidden(layer));
                        if (model.HasCellState(layer))
                        {
                            int c = model.CellSize(layer);
                            model.InitialCell(layer).Slice(entry * c, c).CopyTo(state.Cell(layer));
                        }
                    }

                    var processed = new float[t * o];
                    for (int start = 0; start < t; start += Math.Max(block, 1))
                    {
                        if (block == 0)
                        {
                            model.Step(state, inputs.AsSpan(((entry * t) + start) * f, f), processed.AsSpan(start * o, o));
                            continue;
                        }

                        int n = Math.Min(block, t - start);
                        model.Process(state, inputs.AsSpan(((entry * t) + start) * f, n * f), processed.AsSpan(start * o, n * o));
                    }

                    Assert.Equal(forward.AsSpan(entry * t * o, t * o).ToArray(), processed);
                    for (int layer = 0; layer < model.LayerCount; layer++)
                    {
                        int h = model.HiddenSize(layer);
                        Assert.Equal(model.FinalHidden(layer).Slice(entry * h, h).ToArray(), state.Hidden(layer).ToArray());
                        if (model.HasCellState(layer))
                        {
                            int c = model.CellSize(layer);
                            Assert.Equal(model.FinalCell(layer).Slice(entry * c, c).ToArray(), state.Cell(layer).ToArray());
                        }
                    }
                }
            }
        }
    }
}
