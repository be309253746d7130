using System;
using RnnGen;

namespace CharRnn;

/// <summary>Cuts a token stream into training windows: inputs are T tokens, targets the same T tokens shifted by one.</summary>
public static class Batches
{
    /// <summary>Fills each batch entry with a window starting at a random position.</summary>
    public static void Random(int[] tokens, RandomSource random, int[] inputs, int[] targets)
    {
        const int t = CharLstm.SequenceLength;
        for (int b = 0; b < CharLstm.BatchSize; b++)
        {
            int start = random.NextInt(tokens.Length - t);
            Window(tokens, start, inputs.AsSpan(b * t, t), targets.AsSpan(b * t, t));
        }
    }

    /// <summary>Fills the batch with consecutive windows, starting at window <paramref name="firstWindow"/> (wrapping around).</summary>
    public static void Sequential(int[] tokens, int firstWindow, int[] inputs, int[] targets)
    {
        const int t = CharLstm.SequenceLength;
        int windows = (tokens.Length - 1) / t;
        for (int b = 0; b < CharLstm.BatchSize; b++)
        {
            int start = ((firstWindow + b) % windows) * t;
            Window(tokens, start, inputs.AsSpan(b * t, t), targets.AsSpan(b * t, t));
        }
    }

    private static void Window(int[] tokens, int start, Span<int> inputs, Span<int> targets)
    {
        tokens.AsSpan(start, inputs.Length).CopyTo(inputs);
        tokens.AsSpan(start + 1, targets.Length).CopyTo(targets);
    }
}
