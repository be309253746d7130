using System;

namespace RnnGen
{
    /// <summary>
    /// Draws the next token from a model's logits with a temperature, top-k and top-p (nucleus)
    /// truncation, from a seeded <see cref="RandomSource"/>. Owns its scratch memory, so
    /// <see cref="Next"/> allocates nothing.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The distribution is <c>softmax(logits / Temperature)</c>, restricted first to the
    /// <see cref="TopK"/> most likely tokens (when <see cref="TopK"/> &gt; 0) and then to the smallest
    /// set of most likely tokens whose probability reaches <see cref="TopP"/> (when
    /// <see cref="TopP"/> &lt; 1), renormalised. A temperature of 0 is greedy decoding (argmax).
    /// </para>
    /// <para>
    /// Tokens are ranked by logit, largest first, ties by smaller index, so the result depends only
    /// on the logits and the random source. Each call with a positive temperature consumes exactly
    /// one <see cref="RandomSource.NextDouble"/>.
    /// </para>
    /// </remarks>
    public sealed class TokenSampler
    {
        private readonly RandomSource _random;
        private readonly float[] _keys;
        private readonly int[] _order;
        private readonly double[] _weights;
        private float _temperature = 1f;
        private int _topK;
        private float _topP = 1f;

        /// <summary>Creates a sampler for a vocabulary (output) size.</summary>
        /// <param name="vocabulary">The number of logits each call receives; positive.</param>
        /// <param name="random">The random source; its sequence makes the draws reproducible.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="vocabulary"/> is not positive.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="random"/> is <see langword="null"/>.</exception>
        public TokenSampler(int vocabulary, RandomSource random)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabulary);
            ArgumentNullException.ThrowIfNull(random);
            Vocabulary = vocabulary;
            _random = random;
            _keys = new float[vocabulary];
            _order = new int[vocabulary];
            _weights = new double[vocabulary];
        }

        /// <summary>Gets the number of logits each call receives.</summary>
        public int Vocabulary { get; }

        /// <summary>
        /// Gets or sets the softmax temperature: 1 samples the model's distribution, below 1 sharpens
        /// it, above 1 flattens it, 0 always picks the most likely token. Finite and not negative.
        /// </summary>
        public float Temperature
        {
            get => _temperature;
            set
            {
                if (!(value >= 0f) || !float.IsFinite(value))
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, "The temperature must be finite and not negative.");
                }

                _temperature = value;
            }
        }

        /// <summary>Gets or sets how many of the most likely tokens are kept; 0 (the default) keeps all.</summary>
        public int TopK
        {
            get => _topK;
            set
            {
                if (value < 0 || value > Vocabulary)
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, $"TopK must be in 0 … {Vocabulary} (0 keeps every token).");
                }

                _topK = value;
            }
        }

        /// <summary>
        /// Gets or sets the nucleus: the smallest set of most likely tokens whose probability reaches
        /// this value is kept. In (0, 1]; 1 (the default) keeps all.
        /// </summary>
        public float TopP
        {
            get => _topP;
            set
            {
                if (!(value > 0f && value <= 1f))
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, "TopP must be in (0, 1].");
                }

                _topP = value;
            }
        }

        /// <summary>Draws the next token.</summary>
        /// <param name="logits">Vocabulary logits; finite, or negative infinity for a token never drawn.</param>
        /// <returns>The token drawn.</returns>
        /// <exception cref="ArgumentException">The length is not <see cref="Vocabulary"/>, a logit is NaN or
        /// positive infinity, or every logit is negative infinity.</exception>
        public int Next(ReadOnlySpan<float> logits)
        {
            if (logits.Length != Vocabulary)
            {
                throw new ArgumentException($"logits must hold Vocabulary = {Vocabulary} values, but holds {logits.Length}.", nameof(logits));
            }

            float max = Sampling.ValidatedMax(logits);
            if (_temperature == 0f)
            {
                return Sampling.Argmax(logits);
            }

            // Rank: sort by (−logit, index), so the largest logit comes first and ties keep index order.
            for (int i = 0; i < logits.Length; i++)
            {
                _keys[i] = -logits[i];
                _order[i] = i;
            }

            Sampling.Rank(_keys.AsSpan(), _order.AsSpan());

            // Weights exp((logit − max) / T) of the kept prefix, in rank order.
            int kept = _topK == 0 ? Vocabulary : _topK;
            double inverseTemperature = 1.0 / _temperature;
            double total = 0;
            for (int r = 0; r < kept; r++)
            {
                double weight = Math.Exp(((double)-_keys[r] - max) * inverseTemperature);
                _weights[r] = weight;
                total += weight;
            }

            if (_topP < 1f)
            {
                // The smallest prefix whose share of the (top-k) total reaches TopP; at least one token.
                double needed = _topP * total, cumulative = 0;
                int prefix = 0;
                while (prefix < kept)
                {
                    cumulative += _weights[prefix++];
                    if (cumulative >= needed)
                    {
                        break;
                    }
                }

                kept = prefix;
                total = cumulative;
            }

            double threshold = _random.NextDouble() * total;
            double running = 0;
            int last = 0;
            for (int r = 0; r < kept; r++)
            {
                if (_weights[r] > 0)
                {
                    running += _weights[r];
                    last = r;
                    if (threshold < running)
                    {
                        return _order[r];
                    }
                }
            }

            // Only reachable when rounding makes the scaled draw equal the total.
            return _order[last];
        }
    }
}
