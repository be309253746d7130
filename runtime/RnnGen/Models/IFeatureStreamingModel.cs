using System;

namespace RnnGen;

/// <summary>One-step-at-a-time inference for a model whose inputs are float vectors.</summary>
/// <typeparam name="TState">The model's nested <c>State</c> type.</typeparam>
public interface IFeatureStreamingModel<TState>
    where TState : IRecurrentState
{
    /// <summary>Creates a zeroed state for one stream.</summary>
    /// <returns>The new state; dispose it to free its memory.</returns>
    TState NewState();

    /// <summary>Advances one stream by one input vector, writing that step's outputs.</summary>
    /// <param name="state">The stream's state, updated in place.</param>
    /// <param name="input">InputSize features.</param>
    /// <param name="output">Receives OutputSize outputs.</param>
    void Step(TState state, ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// Advances one stream by a block of consecutive input vectors: bit for bit <see cref="Step"/> once per
    /// vector, with the arguments checked once. Allocates nothing; with <c>Threads = 1</c> it never waits for
    /// another thread (real-time safe).
    /// </summary>
    /// <param name="state">The stream's state, updated in place.</param>
    /// <param name="inputs">InputSize features per step, step after step.</param>
    /// <param name="outputs">Receives OutputSize outputs per step, step after step.</param>
    void Process(TState state, ReadOnlySpan<float> inputs, Span<float> outputs);
}
