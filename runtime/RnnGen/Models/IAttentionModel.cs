using System;

namespace RnnGen;

/// <summary>A generated model with <see cref="AttentionAttribute"/>: the memory it attends over, for batches.</summary>
public interface IAttentionModel
{
    /// <summary>Gets the size of each memory vector.</summary>
    int MemorySize { get; }

    /// <summary>Gets the number of memory vectors per sequence.</summary>
    int MemoryLength { get; }

    /// <summary>Gets the batch's memory, [BatchSize, MemoryLength, MemorySize], writable; read by every forward pass.</summary>
    Span<float> Memory { get; }

    /// <summary>Gets the real memory length of each sequence, BatchSize values in 1 … MemoryLength, writable (MemoryLength until set).</summary>
    Span<int> MemoryLengths { get; }

    /// <summary>Gets d(loss)/d(memory) after the most recent training step or Backward, [BatchSize, MemoryLength, MemorySize].</summary>
    ReadOnlySpan<float> MemoryGradient { get; }

    /// <summary>The attention weights of sequence <paramref name="b"/> at step <paramref name="t"/> in the most recent forward pass.</summary>
    /// <param name="b">Batch entry.</param>
    /// <param name="t">Time step.</param>
    /// <returns>MemoryLength weights, zero past the sequence's memory length.</returns>
    ReadOnlySpan<float> AttentionWeights(int b, int t);
}

/// <summary>A generated model with <see cref="AttentionAttribute"/>, with its streams' memory.</summary>
/// <typeparam name="TState">The model's nested <c>State</c> type.</typeparam>
public interface IAttentionModel<TState> : IAttentionModel
    where TState : IRecurrentState
{
    /// <summary>Gives a stream its memory (an encoder's outputs for one sequence) before stepping it.</summary>
    /// <param name="state">The stream's state.</param>
    /// <param name="memory">[MemoryLength, MemorySize] values; rows past <paramref name="length"/> are not read.</param>
    /// <param name="length">The real memory length, 1 … MemoryLength.</param>
    void SetMemory(TState state, ReadOnlySpan<float> memory, int length);
}
