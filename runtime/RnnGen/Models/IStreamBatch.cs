using System;

namespace RnnGen;

/// <summary>
/// The recurrent states of many independent streams of one generated model (its nested
/// <c>StreamBatch</c> class), stepped together: one game agent, voice or sensor per stream.
/// </summary>
/// <remarks>
/// Stepping a batch advances every stream by one step with one matrix product per weight matrix
/// instead of one matrix–vector product per stream, so the weights are read once per call rather than
/// once per stream. Each stream's outputs and state are bit for bit those of stepping it alone.
/// </remarks>
public interface IStreamBatch : IDisposable
{
    /// <summary>Gets the number of streams.</summary>
    int Count { get; }

    /// <summary>Gets the number of recurrent layers, stacked layers counted one by one.</summary>
    int LayerCount { get; }

    /// <summary>Sets every stream's hidden and cell values (and any readout so far) to zero.</summary>
    void Reset();

    /// <summary>Sets one stream's hidden and cell values (and any readout so far) to zero, as at the start of a sequence.</summary>
    /// <param name="stream">Stream index, 0 … Count − 1.</param>
    void Reset(int stream);

    /// <summary>The hidden state h of one stream at one layer, readable and writable.</summary>
    /// <param name="stream">Stream index, 0 … Count − 1.</param>
    /// <param name="layer">Layer index, 0 … LayerCount − 1 (0 is nearest the input).</param>
    /// <returns>A view of the batch's memory.</returns>
    Span<float> Hidden(int stream, int layer);

    /// <summary>The cell state c of one stream at an LSTM layer, readable and writable.</summary>
    /// <param name="stream">Stream index, 0 … Count − 1.</param>
    /// <param name="layer">Layer index, 0 … LayerCount − 1; the layer must be an LSTM.</param>
    /// <returns>A view of the batch's memory.</returns>
    /// <exception cref="InvalidOperationException">The layer is not an LSTM.</exception>
    Span<float> Cell(int stream, int layer);
}

/// <summary>Many streams of a token-input model stepped together (see <see cref="IStreamBatch"/>).</summary>
/// <typeparam name="TStreams">The model's nested <c>StreamBatch</c> type.</typeparam>
public interface ITokenStreamBatchModel<TStreams>
    where TStreams : IStreamBatch
{
    /// <summary>Creates <paramref name="count"/> zeroed streams.</summary>
    /// <param name="count">The number of streams, at least 1.</param>
    /// <returns>The new batch; dispose it to free its memory.</returns>
    TStreams NewStreams(int count);

    /// <summary>Advances every stream by one token, writing that step's outputs.</summary>
    /// <param name="streams">The streams, updated in place.</param>
    /// <param name="tokens">One token id per stream.</param>
    /// <param name="outputs">Receives OutputSize outputs per stream, stream by stream.</param>
    void Step(TStreams streams, ReadOnlySpan<int> tokens, Span<float> outputs);

    /// <summary>
    /// Advances every stream by a block of steps: bit for bit <see cref="Step"/> once per step. Generated models
    /// check the whole block first; this default, for models written by hand, calls <see cref="Step"/> once per step.
    /// </summary>
    /// <param name="streams">The streams, updated in place.</param>
    /// <param name="tokens">One token id per stream per step, step by step ([steps, Count]).</param>
    /// <param name="outputs">Receives OutputSize outputs per stream per step, step by step ([steps, Count, OutputSize]).</param>
    void Process(TStreams streams, ReadOnlySpan<int> tokens, Span<float> outputs)
    {
        ArgumentNullException.ThrowIfNull(streams);
        int count = streams.Count;
        if (tokens.Length % count != 0)
        {
            throw new ArgumentException($"tokens must hold one token per stream ({count}) per step, but holds {tokens.Length}.", nameof(tokens));
        }

        int steps = tokens.Length / count;
        int size = StreamingBlocks.OutputsPerStep(steps, outputs.Length);
        for (int t = 0; t < steps; t++)
        {
            Step(streams, tokens.Slice(t * count, count), outputs.Slice(t * size, size));
        }
    }
}

/// <summary>Many streams of a feature-input model stepped together (see <see cref="IStreamBatch"/>).</summary>
/// <typeparam name="TStreams">The model's nested <c>StreamBatch</c> type.</typeparam>
public interface IFeatureStreamBatchModel<TStreams>
    where TStreams : IStreamBatch
{
    /// <summary>Creates <paramref name="count"/> zeroed streams.</summary>
    /// <param name="count">The number of streams, at least 1.</param>
    /// <returns>The new batch; dispose it to free its memory.</returns>
    TStreams NewStreams(int count);

    /// <summary>Advances every stream by one input vector, writing that step's outputs.</summary>
    /// <param name="streams">The streams, updated in place.</param>
    /// <param name="inputs">InputSize features per stream, stream by stream.</param>
    /// <param name="outputs">Receives OutputSize outputs per stream, stream by stream.</param>
    void Step(TStreams streams, ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>
    /// Advances every stream by a block of steps: bit for bit <see cref="Step"/> once per step. Generated models
    /// check the whole block first; this default, for models written by hand that are also an <see cref="IRnnModel"/>,
    /// calls <see cref="Step"/> once per step.
    /// </summary>
    /// <param name="streams">The streams, updated in place.</param>
    /// <param name="inputs">InputSize features per stream per step, step by step ([steps, Count, InputSize]).</param>
    /// <param name="outputs">Receives OutputSize outputs per stream per step, step by step ([steps, Count, OutputSize]).</param>
    /// <exception cref="NotSupportedException">The model is not an <see cref="IRnnModel"/> and does not implement Process.</exception>
    void Process(TStreams streams, ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        ArgumentNullException.ThrowIfNull(streams);
        int count = streams.Count;
        var (steps, inputSize, outputSize) = StreamingBlocks.Shape(this, inputs.Length, outputs.Length, count);
        for (int t = 0; t < steps; t++)
        {
            Step(streams, inputs.Slice(t * count * inputSize, count * inputSize), outputs.Slice(t * count * outputSize, count * outputSize));
        }
    }
}
