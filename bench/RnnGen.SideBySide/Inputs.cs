namespace RnnGen.SideBySide;

/// <summary>
/// The inputs every implementation of a row is given: the same values as bench/RnnGen.Benchmarks'
/// table (Gaussian features and uniform tokens from <see cref="RandomSource"/> seed 7).
/// </summary>
internal sealed class Inputs
{
    /// <summary>Features of 32 sequences of 64 steps of 64 features, [32, 64, 64]; every smaller input is a prefix of it.</summary>
    public float[] Features { get; } = new float[32 * 64 * 64];

    /// <summary>Token ids of the char model's batch, [32, 64], in 0 … 64.</summary>
    public int[] Tokens { get; } = new int[32 * 64];

    /// <summary>Target ids of the char model's batch, [32, 64], in 0 … 64.</summary>
    public int[] Targets { get; } = new int[32 * 64];

    /// <summary>Draws the inputs.</summary>
    public Inputs()
    {
        var random = new RandomSource(7);
        for (int i = 0; i < Features.Length; i++)
        {
            Features[i] = random.NextGaussian();
        }

        for (int i = 0; i < Tokens.Length; i++)
        {
            Tokens[i] = random.NextInt(65);
            Targets[i] = random.NextInt(65);
        }
    }

    /// <summary>A copy of the first <paramref name="count"/> features.</summary>
    /// <param name="count">How many values.</param>
    /// <returns>A new array.</returns>
    public float[] FeaturePrefix(int count) => Features[..count];

    /// <summary>The one input of the small LSTM 1→40 model's step (as the table uses).</summary>
    public static float[] SmallStepInput => [0.25f];
}
