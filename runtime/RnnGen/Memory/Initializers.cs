using System;

namespace RnnGen
{
    /// <summary>
    /// Fills parameter values with random numbers, the way PyTorch's default initialisation does.
    /// </summary>
    /// <remarks>
    /// PyTorch's defaults, which generated models reproduce (the distributions match; the random
    /// streams do not, since <see cref="RandomSource"/> is not PyTorch's generator):
    /// <list type="bullet">
    /// <item><description><c>nn.Embedding</c>: weight ~ N(0, 1) — <see cref="Normal"/> with standard deviation 1.</description></item>
    /// <item><description><c>nn.RNN</c>, <c>nn.LSTM</c>, <c>nn.GRU</c>: every weight and bias ~ U(-1/sqrt(hidden), 1/sqrt(hidden)) — <see cref="Uniform"/>.</description></item>
    /// <item><description><c>nn.Linear</c>: weight and bias ~ U(-1/sqrt(in_features), 1/sqrt(in_features)) — <see cref="Uniform"/>.</description></item>
    /// </list>
    /// Neither method allocates.
    /// </remarks>
    public static class Initializers
    {
        /// <summary>Fills <paramref name="values"/> with independent samples of U(-bound, bound).</summary>
        /// <param name="values">The values to overwrite.</param>
        /// <param name="random">The random number generator.</param>
        /// <param name="bound">The half-width of the interval. Must be finite and not negative; 0 fills with zeros.</param>
        /// <exception cref="ArgumentNullException"><paramref name="random"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="bound"/> is negative or not finite.</exception>
        public static void Uniform(Span<float> values, RandomSource random, float bound)
        {
            ArgumentNullException.ThrowIfNull(random);
            if (!(bound >= 0f) || !float.IsFinite(bound))
            {
                throw new ArgumentOutOfRangeException(nameof(bound), bound, "The bound must be finite and not negative.");
            }

            if (bound == 0f)
            {
                values.Clear();
                return;
            }

            for (int i = 0; i < values.Length; i++)
            {
                values[i] = random.NextUniform(-bound, bound);
            }
        }

        /// <summary>Fills <paramref name="values"/> with independent samples of N(0, standardDeviation²).</summary>
        /// <param name="values">The values to overwrite.</param>
        /// <param name="random">The random number generator.</param>
        /// <param name="standardDeviation">The standard deviation. Must be finite and not negative.</param>
        /// <exception cref="ArgumentNullException"><paramref name="random"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="standardDeviation"/> is negative or not finite.</exception>
        public static void Normal(Span<float> values, RandomSource random, float standardDeviation)
        {
            ArgumentNullException.ThrowIfNull(random);
            if (!(standardDeviation >= 0f) || !float.IsFinite(standardDeviation))
            {
                throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation, "The standard deviation must be finite and not negative.");
            }

            for (int i = 0; i < values.Length; i++)
            {
                values[i] = standardDeviation * random.NextGaussian();
            }
        }
    }
}
