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
    /// vector. Generated models check the whole block first, then allocate nothing and, with <c>Threads = 1</c>,
    /// never wait for another thread (real-time safe). This default, for models written by hand that are also
    /// an <see cref="IRnnModel"/> (for InputSize and OutputSize), calls <see cref="Step"/> once per vector.
    /// </summary>
    /// <param name="state">The stream's state, updated in place.</param>
    /// <param name="inputs">InputSize features per step, step after step.</param>
    /// <param name="outputs">Receives OutputSize outputs per step, step after step.</param>
    /// <exception cref="NotSupportedException">The model is not an <see cref="IRnnModel"/> and does not implement Process.</exception>
    void Process(TState state, ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        var (steps, inputSize, outputSize) = StreamingBlocks.Shape(this, inputs.Length, outputs.Length, 1);
        for (int t = 0; t < steps; t++)
        {
            Step(state, inputs.Slice(t * inputSize, inputSize), outputs.Slice(t * outputSize, outputSize));
        }
    }
}
