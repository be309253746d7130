using System;

namespace RnnGen;

/// <summary>One-step-at-a-time inference for a model whose inputs are token ids.</summary>
/// <typeparam name="TState">The model's nested <c>State</c> type.</typeparam>
public interface ITokenStreamingModel<TState>
    where TState : IRecurrentState
{
    /// <summary>Creates a zeroed state for one stream.</summary>
    /// <returns>The new state; dispose it to free its memory.</returns>
    TState NewState();

    /// <summary>Advances one stream by one token, writing that step's outputs.</summary>
    /// <param name="state">The stream's state, updated in place.</param>
    /// <param name="token">The input token id.</param>
    /// <param name="output">Receives OutputSize outputs.</param>
    void Step(TState state, int token, Span<float> output);

    /// <summary>
    /// Advances one stream by a block of tokens, one step each: bit for bit <see cref="Step"/> once per token.
    /// Generated models check the whole block first and then allocate nothing; this default, for models
    /// written by hand, calls <see cref="Step"/> once per token (outputs.Length / tokens.Length outputs each).
    /// </summary>
    /// <param name="state">The stream's state, updated in place.</param>
    /// <param name="tokens">The token ids, one per step.</param>
    /// <param name="outputs">Receives OutputSize outputs per step, step after step.</param>
    void Process(TState state, ReadOnlySpan<int> tokens, Span<float> outputs)
    {
        int size = StreamingBlocks.OutputsPerStep(tokens.Length, outputs.Length);
        for (int t = 0; t < tokens.Length; t++)
        {
            Step(state, tokens[t], outputs.Slice(t * size, size));
        }
    }
}
