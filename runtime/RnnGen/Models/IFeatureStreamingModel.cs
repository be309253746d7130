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
}
