using System;
using System.Collections.Generic;

namespace RnnGen;

/// <summary>
/// A model whose streaming step can also report what its recurrent layers compute: each layer's named
/// cell values (gates, the cell state, tanh(c)) and states at every step, its <em>taps</em>.
/// </summary>
public interface ITappedModel
{
    /// <summary>Gets the floats of one step's taps.</summary>
    int TapSize { get; }

    /// <summary>Gets what a step's taps hold: each value's layer, name, offset and width, in order.</summary>
    IReadOnlyList<TapInfo> Taps { get; }
}

/// <summary>Taps of a model whose inputs are float vectors.</summary>
/// <typeparam name="TState">The model's nested <c>State</c> type.</typeparam>
public interface IFeatureTappedModel<TState> : ITappedModel
    where TState : IRecurrentState
{
    /// <summary>Steps one stream as <c>Step</c> does, bit for bit, and writes the step's taps.</summary>
    /// <param name="state">The stream's state, updated in place.</param>
    /// <param name="input">InputSize features.</param>
    /// <param name="output">Receives OutputSize outputs.</param>
    /// <param name="taps">Receives TapSize values.</param>
    void Step(TState state, ReadOnlySpan<float> input, Span<float> output, Span<float> taps);

    /// <summary>Advances one stream by a block of steps as <c>Process</c> does, bit for bit, and writes each step's taps.</summary>
    /// <param name="state">The stream's state, updated in place.</param>
    /// <param name="inputs">InputSize features per step, step after step.</param>
    /// <param name="outputs">Receives OutputSize outputs per step.</param>
    /// <param name="taps">Receives TapSize values per step.</param>
    void Process(TState state, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> taps);

    /// <summary>
    /// Runs <c>Forward</c> over the batch, bit for bit, and writes every step's taps of every sequence
    /// ([BatchSize, SequenceLength, TapSize]; zero past a sequence's length).
    /// </summary>
    /// <param name="inputs">Features, batch-major [BatchSize, SequenceLength, InputSize].</param>
    /// <param name="outputs">Receives Forward's outputs.</param>
    /// <param name="taps">Receives TapSize values per step, batch-major.</param>
    void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> taps);

    /// <summary>As <see cref="Forward(ReadOnlySpan{float}, Span{float}, Span{float})"/>, for sequences of different lengths.</summary>
    /// <param name="inputs">Features, batch-major [BatchSize, SequenceLength, InputSize].</param>
    /// <param name="lengths">The number of real steps of each sequence.</param>
    /// <param name="outputs">Receives Forward's outputs.</param>
    /// <param name="taps">Receives TapSize values per step, batch-major.</param>
    void Forward(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, Span<float> outputs, Span<float> taps);
}

/// <summary>Taps of a model whose inputs are token ids.</summary>
/// <typeparam name="TState">The model's nested <c>State</c> type.</typeparam>
public interface ITokenTappedModel<TState> : ITappedModel
    where TState : IRecurrentState
{
    /// <summary>Steps one stream as <c>Step</c> does, bit for bit, and writes the step's taps.</summary>
    /// <param name="state">The stream's state, updated in place.</param>
    /// <param name="token">The input token id.</param>
    /// <param name="output">Receives OutputSize outputs.</param>
    /// <param name="taps">Receives TapSize values.</param>
    void Step(TState state, int token, Span<float> output, Span<float> taps);

    /// <summary>Advances one stream by a block of tokens as <c>Process</c> does, bit for bit, and writes each step's taps.</summary>
    /// <param name="state">The stream's state, updated in place.</param>
    /// <param name="tokens">The block's token ids.</param>
    /// <param name="outputs">Receives OutputSize outputs per step.</param>
    /// <param name="taps">Receives TapSize values per step.</param>
    void Process(TState state, ReadOnlySpan<int> tokens, Span<float> outputs, Span<float> taps);

    /// <summary>
    /// Runs <c>Forward</c> over the batch, bit for bit, and writes every step's taps of every sequence
    /// ([BatchSize, SequenceLength, TapSize]; zero past a sequence's length).
    /// </summary>
    /// <param name="inputs">Token ids, batch-major [BatchSize, SequenceLength].</param>
    /// <param name="outputs">Receives Forward's outputs.</param>
    /// <param name="taps">Receives TapSize values per step, batch-major.</param>
    void Forward(ReadOnlySpan<int> inputs, Span<float> outputs, Span<float> taps);

    /// <summary>As <see cref="Forward(ReadOnlySpan{int}, Span{float}, Span{float})"/>, for sequences of different lengths.</summary>
    /// <param name="inputs">Token ids, batch-major [BatchSize, SequenceLength].</param>
    /// <param name="lengths">The number of real steps of each sequence.</param>
    /// <param name="outputs">Receives Forward's outputs.</param>
    /// <param name="taps">Receives TapSize values per step, batch-major.</param>
    void Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> lengths, Span<float> outputs, Span<float> taps);
}
