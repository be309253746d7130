using System;
using System.Collections.Generic;

namespace RnnGen;

/// <summary>
/// What every generated model has, whatever its input and loss: sizes, parameters, gradient
/// control and weight files. Lets code (trainers, tools, tests) work with any model.
/// </summary>
public interface IRnnModel : IDisposable
{
    /// <summary>Time steps per sequence in a batch.</summary>
    int SequenceLength { get; }

    /// <summary>Sequences per batch.</summary>
    int BatchSize { get; }

    /// <summary>The vocabulary size (token models) or the features per step (float-input models).</summary>
    int InputSize { get; }

    /// <summary>Outputs per output row: per time step, or per sequence for a many-to-one readout.</summary>
    int OutputSize { get; }

    /// <summary>Output rows per sequence: SequenceLength (synced many-to-many) or 1 (many-to-one readout).</summary>
    int OutputSteps { get; }

    /// <summary>Number of recurrent layers, stacked layers counted one by one.</summary>
    int LayerCount { get; }

    /// <summary>The width of one recurrent layer's output and h state (with an LSTM projection, the projection's).</summary>
    /// <param name="layer">Layer index, 0 … LayerCount − 1 (0 is nearest the input).</param>
    /// <returns>The number of hidden units.</returns>
    int HiddenSize(int layer);

    /// <summary>Whether a recurrent layer has a second state (an LSTM's cell state c, or a C# cell's second state).</summary>
    /// <param name="layer">Layer index, 0 … LayerCount − 1.</param>
    /// <returns><see langword="true"/> for a layer with a second state.</returns>
    bool HasCellState(int layer);

    /// <summary>The width of one recurrent layer's second state (an LSTM's c: its hidden size, also with a projection).</summary>
    /// <param name="layer">Layer index, 0 … LayerCount − 1.</param>
    /// <returns>The number of units, or 0 when the layer has no second state.</returns>
    int CellSize(int layer);

    /// <summary>The batch's initial hidden state of one layer, [BatchSize, H], writable; zero until set, kept across calls.</summary>
    /// <param name="layer">Layer index.</param>
    /// <returns>A view of the model's memory.</returns>
    Span<float> InitialHidden(int layer);

    /// <summary>The batch's initial cell state of an LSTM layer, [BatchSize, H], writable.</summary>
    /// <param name="layer">Layer index; the layer must be an LSTM.</param>
    /// <returns>A view of the model's memory.</returns>
    Span<float> InitialCell(int layer);

    /// <summary>The hidden state after each sequence's last real step in the most recent forward pass, [BatchSize, H].</summary>
    /// <param name="layer">Layer index.</param>
    /// <returns>A view of the model's memory.</returns>
    ReadOnlySpan<float> FinalHidden(int layer);

    /// <summary>The cell state after each sequence's last real step in the most recent forward pass, [BatchSize, H].</summary>
    /// <param name="layer">Layer index; the layer must be an LSTM.</param>
    /// <returns>A view of the model's memory.</returns>
    ReadOnlySpan<float> FinalCell(int layer);

    /// <summary>d(loss)/d(initial hidden state), [BatchSize, H], left by the most recent training step or Backward.</summary>
    /// <param name="layer">Layer index.</param>
    /// <returns>A view of the model's memory.</returns>
    ReadOnlySpan<float> InitialHiddenGradient(int layer);

    /// <summary>d(loss)/d(initial cell state), [BatchSize, H], left by the most recent training step or Backward.</summary>
    /// <param name="layer">Layer index; the layer must be an LSTM.</param>
    /// <returns>A view of the model's memory.</returns>
    ReadOnlySpan<float> InitialCellGradient(int layer);

    /// <summary>A downstream gradient with respect to the final hidden state, [BatchSize, H], writable; added in by training steps and Backward.</summary>
    /// <param name="layer">Layer index.</param>
    /// <returns>A view of the model's memory.</returns>
    Span<float> FinalHiddenGradient(int layer);

    /// <summary>A downstream gradient with respect to the final cell state, [BatchSize, H], writable.</summary>
    /// <param name="layer">Layer index; the layer must be an LSTM.</param>
    /// <returns>A view of the model's memory.</returns>
    Span<float> FinalCellGradient(int layer);

    /// <summary>The size of the conditioning vector that sets the initial states ([Condition]); 0 without one.</summary>
    int ConditionSize { get; }

    /// <summary>The batch's conditioning vectors, [BatchSize, ConditionSize], writable; empty without [Condition].</summary>
    Span<float> Conditions { get; }

    /// <summary>d(loss)/d(conditioning vectors) after the most recent training step or Backward; empty without [Condition].</summary>
    ReadOnlySpan<float> ConditionGradient { get; }

    /// <summary>Makes the final state of the most recent forward pass the next initial state (truncated BPTT).</summary>
    void CarryState();

    /// <summary>Sets the initial state of every layer back to zero.</summary>
    void ResetInitialState();

    /// <summary>The trainable tensors with PyTorch's names and shapes.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Whether a training step adds to the gradients instead of overwriting them.</summary>
    bool AccumulateGradients { get; set; }

    /// <summary>
    /// Gets or sets how many threads whole-batch work (forward, training, evaluation) uses, 1 to 64.
    /// Results are bit-for-bit the same for every value.
    /// </summary>
    int Threads { get; set; }

    /// <summary>
    /// Gets or sets the format of the weights streaming steps and <c>Forward</c> read:
    /// <see cref="WeightFormat.Float32"/> (the default) or a compact copy made from the parameters, such as
    /// <see cref="WeightFormat.BFloat16"/>. Training and <c>Evaluate</c> always use float32.
    /// </summary>
    WeightFormat InferenceWeights { get; set; }

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>Re-initialises the parameters with PyTorch's default distributions.</summary>
    /// <param name="seed">Seed of the initialisation.</param>
    void ResetParameters(int seed);

    /// <summary>Writes the parameters to a safetensors file.</summary>
    /// <param name="path">Destination file.</param>
    void Save(string path);

    /// <summary>Reads the parameters from a safetensors file; on error (including a NaN or infinite value) the model is unchanged.</summary>
    /// <param name="path">Source file.</param>
    void Load(string path);

    /// <summary>Reads the parameters from a safetensors file, optionally accepting NaN and infinite values; on error the model is unchanged.</summary>
    /// <param name="path">Source file.</param>
    /// <param name="allowNonFinite">Whether the file may hold NaN or infinite values (to inspect a diverged model).</param>
    void Load(string path, bool allowNonFinite);
}
