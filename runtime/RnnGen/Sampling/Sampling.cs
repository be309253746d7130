using System;

namespace RnnGen
{
    /// <summary>
    /// Chooses the next token from a model's output logits during generation. Neither method
    /// allocates.
    /// </summary>
    public static class Sampling
    {
        /// <summary>Returns the index of the largest logit; the first one wins ties.</summary>
        /// <param name="logits">The logits. Must not be empty.</param>
        /// <returns>The index of the first maximum. NaN entries are never chosen unless every entry
        /// is NaN or negative infinity, in which case 0 is returned.</returns>
        /// <exception cref="ArgumentException"><paramref name="logits"/> is empty.</exception>
        public static int Argmax(ReadOnlySpan<float> logits)
        {
            if (logits.IsEmpty)
            {
                throw new ArgumentException("There must be at least one logit.", nameof(logits));
            }

            int best = 0;
            float max = float.NegativeInfinity;
            for (int i = 0; i < logits.Length; i++)
            {
                if (logits[i] > max)
                {
                    max = logits[i];
                    best = i;
                }
            }

            return best;
        }

        /// <summary>
        /// Draws an index from <c>softmax(logits / temperature)</c>. A temperature of 0 returns
        /// <see cref="Argmax"/> without consuming randomness; temperatures below 1 sharpen the
        /// distribution and temperatures above 1 flatten it.
        /// </summary>
        /// <remarks>
        /// Uses no scratch memory: one pass finds the maximum, a second sums
        /// <c>exp((logit - max) / temperature)</c> in double precision, and a third walks the same
        /// weights until their running sum passes a uniform draw scaled by the total. Exactly one
        /// <see cref="RandomSource.NextDouble"/> is consumed per call when the temperature is positive.
        /// </remarks>
        /// <param name="logits">The logits. Must not be empty, contain NaN or positive infinity;
        /// negative infinity denotes a token that is never drawn.</param>
        /// <param name="temperature">The softmax temperature. Must be finite and not negative.</param>
        /// <param name="random">The random number generator.</param>
        /// <returns>The index drawn.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="random"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="logits"/> is empty or contains NaN or
        /// positive infinity, or every logit is negative infinity.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is negative, NaN or infinite.</exception>
        public static int Sample(ReadOnlySpan<float> logits, float temperature, RandomSource random)
        {
            ArgumentNullException.ThrowIfNull(random);
            if (!(temperature >= 0f) || !float.IsFinite(temperature))
            {
                throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be finite and not negative.");
            }

            if (logits.IsEmpty)
            {
                throw new ArgumentException("There must be at least one logit.", nameof(logits));
            }

            if (temperature == 0f)
            {
                return Argmax(logits);
            }

            float max = ValidatedMax(logits);
            double inverseTemperature = 1.0 / temperature;
            double total = 0.0;
            for (int i = 0; i < logits.Length; i++)
            {
                total += Weight(logits[i], max, inverseTemperature);
            }

            double threshold = random.NextDouble() * total;
            double cumulative = 0.0;
            int last = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                double weight = Weight(logits[i], max, inverseTemperature);
                if (weight > 0.0)
                {
                    cumulative += weight;
                    last = i;
                    if (threshold < cumulative)
                    {
                        return i;
                    }
                }
            }

            // Only reachable when rounding makes the scaled draw equal the total.
            return last;
        }

        /// <summary>
        /// The largest logit, after checking that every logit is finite or negative infinity and that
        /// at least one is finite (the conditions for drawing from their softmax).
        /// </summary>
        /// <exception cref="ArgumentException">A logit is NaN or positive infinity, or every logit is negative infinity.</exception>
        internal static float ValidatedMax(ReadOnlySpan<float> logits)
        {
            float max = float.NegativeInfinity;
            for (int i = 0; i < logits.Length; i++)
            {
                float logit = logits[i];
                if (float.IsNaN(logit) || float.IsPositiveInfinity(logit))
                {
                    throw new ArgumentException($"Logit {i} is {logit}; logits must be finite or negative infinity.", nameof(logits));
                }

                if (logit > max)
                {
                    max = logit;
                }
            }

            if (float.IsNegativeInfinity(max))
            {
                throw new ArgumentException("Every logit is negative infinity, so there is nothing to sample.", nameof(logits));
            }

            return max;
        }

        /// <summary>
        /// Sorts <paramref name="items"/> by ascending <paramref name="keys"/> (sorted along), with ties in
        /// ascending item order, so the ranking does not depend on the sort algorithm. Allocates nothing.
        /// </summary>
        internal static void Rank<TKey>(Span<TKey> keys, Span<int> items)
            where TKey : IEquatable<TKey>
        {
            keys.Sort(items);
            int first = 0;
            for (int i = 1; i <= keys.Length; i++)
            {
                if (i == keys.Length || !keys[i].Equals(keys[first]))
                {
                    if (i - first > 1)
                    {
                        items.Slice(first, i - first).Sort();
                    }

                    first = i;
                }
            }
        }

        private static double Weight(float logit, float max, double inverseTemperature)
        {
            return Math.Exp(((double)logit - max) * inverseTemperature);
        }
    }
}
