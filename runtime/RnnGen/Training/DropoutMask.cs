using System;

namespace RnnGen
{
    /// <summary>
    /// The dropout masks of generated models (<see cref="DropoutAttribute"/>): a counter-based hash, so
    /// the mask value at any position can be computed on its own, by any thread, in any order.
    /// </summary>
    /// <remarks>
    /// <para>
    /// With SplitMix64's finaliser <c>mix</c> and <c>γ = 0x9E3779B97F4A7C15</c>, the key of dropout
    /// site <c>s</c> in pass <c>n</c> is <c>mix(mix(seed + n·γ) + (s + 1)·γ)</c>, and the value at
    /// position <c>i</c> of the site is kept when the top 24 bits of <c>mix(key + (i + 1)·γ)</c> are at
    /// least <c>round(p·2²⁴)</c>; a kept value is multiplied by <c>1 / (1 − p)</c>, a dropped one by 0.
    /// The probability of a drop is p to within 2⁻²⁵. All arithmetic is modulo 2⁶⁴, so a script can
    /// reproduce any mask exactly (the test fixtures do, in PyTorch).
    /// </para>
    /// <para>
    /// Generated models number their sites in order: site <c>l</c> is the input of flattened recurrent
    /// layer <c>l</c>, and the site after the last layer (the head's input) is the number of layers.
    /// Positions are row-major over <c>[SequenceLength, BatchSize, width]</c>.
    /// </para>
    /// </remarks>
    public static class DropoutMask
    {
        private const ulong Gamma = 0x9E3779B97F4A7C15UL;

        /// <summary>The key of one dropout site in one pass.</summary>
        /// <param name="seed">The model's dropout seed.</param>
        /// <param name="pass">The number of the pass (0 for the first).</param>
        /// <param name="site">The site's number.</param>
        /// <returns>The key that <see cref="Apply"/> hashes positions with.</returns>
        public static ulong Key(ulong seed, long pass, int site) =>
            Mix(Mix(seed + ((ulong)pass * Gamma)) + ((ulong)(uint)site + 1) * Gamma);

        /// <summary>The 24-bit threshold below which a position is dropped: <c>round(p·2²⁴)</c>.</summary>
        /// <param name="probability">The drop probability, in [0, 1).</param>
        /// <returns>The threshold.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is not in [0, 1).</exception>
        public static uint Threshold(double probability)
        {
            if (!(probability >= 0 && probability < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(probability), probability, "A dropout probability must be in [0, 1).");
            }

            return (uint)Math.Round(probability * 16777216.0);
        }

        /// <summary>
        /// Draws the mask of positions <c>[start, start + source.Length)</c> of a site and applies it:
        /// <c>mask[i] = keep ? scale : 0</c> and <c>destination[i] = source[i] · mask[i]</c>.
        /// </summary>
        /// <param name="key">The site's key for this pass (<see cref="Key"/>).</param>
        /// <param name="start">The position of <c>source[0]</c> within the site.</param>
        /// <param name="threshold">The drop threshold (<see cref="Threshold"/>).</param>
        /// <param name="scale">The factor of a kept value, <c>1 / (1 − p)</c>.</param>
        /// <param name="source">The values.</param>
        /// <param name="mask">Receives the mask, as many floats as <paramref name="source"/>.</param>
        /// <param name="destination">Receives the masked values, as many floats as <paramref name="source"/>; may not overlap <paramref name="source"/> partially.</param>
        /// <exception cref="ArgumentException">The spans differ in length, or <paramref name="start"/> is negative.</exception>
        public static void Apply(ulong key, long start, uint threshold, float scale, ReadOnlySpan<float> source, Span<float> mask, Span<float> destination)
        {
            if (mask.Length != source.Length || destination.Length != source.Length)
            {
                throw new ArgumentException($"source, mask and destination must have the same length ({source.Length}, {mask.Length}, {destination.Length}).");
            }

            if (start < 0)
            {
                throw new ArgumentException("start must not be negative.", nameof(start));
            }

            ulong state = key + ((ulong)start * Gamma);
            for (int i = 0; i < source.Length; i++)
            {
                state += Gamma;

                // keep = (top 24 bits ≥ threshold), without a branch: the difference of two 24-bit
                // numbers has its sign bit set exactly when the first is the smaller.
                ulong drop = ((Mix(state) >> 40) - threshold) >> 63;
                float m = scale * (int)(1 - drop);
                mask[i] = m;
                destination[i] = source[i] * m;
            }
        }

        /// <summary>Backpropagates through a mask: <c>gradient[i] *= mask[i]</c>.</summary>
        /// <param name="mask">The mask the forward pass drew.</param>
        /// <param name="gradient">d(loss)/d(masked values) in, d(loss)/d(values) out; as many floats as <paramref name="mask"/>.</param>
        /// <exception cref="ArgumentException">The spans differ in length.</exception>
        public static void Backward(ReadOnlySpan<float> mask, Span<float> gradient)
        {
            if (mask.Length != gradient.Length)
            {
                throw new ArgumentException($"mask and gradient must have the same length ({mask.Length}, {gradient.Length}).");
            }

            for (int i = 0; i < gradient.Length; i++)
            {
                gradient[i] *= mask[i];
            }
        }

        /// <summary>SplitMix64's finaliser.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        private static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
