using System;

namespace RnnGen
{
    /// <summary>
    /// Beam search over any token-streaming model: keeps the <see cref="Width"/> most probable
    /// partial sequences, extends each by every token at each step, and returns the finished sequence
    /// with the best length-normalised log-probability. All memory (the beams' states, token
    /// histories and scratch) is allocated by the constructor; <see cref="Search"/> allocates nothing.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A hypothesis y₁ … y_n scores <c>log p(y₁ … y_n) / n^α</c> with α = <see cref="LengthPenalty"/>:
    /// α = 0 ranks by raw log-probability (which favours short outputs), α = 1 by the mean
    /// log-probability per token. A hypothesis finishes when it emits the end token (which counts in
    /// its length) or reaches <c>maxLength</c> tokens. The search stops when <see cref="Width"/>
    /// hypotheses have finished or every live one has reached the limit.
    /// </para>
    /// <para>
    /// Candidates are ranked by score, ties broken by beam and then by token index, so the result is
    /// deterministic. A width of 1 is greedy decoding.
    /// </para>
    /// </remarks>
    /// <typeparam name="TState">The model's stream state type.</typeparam>
    public sealed class BeamSearch<TState> : IDisposable
        where TState : IRecurrentState
    {
        private readonly ITokenStreamingModel<TState> _model;
        private readonly TState[] _states;
        private readonly TState[] _next;
        private readonly int[] _tokens;       // [Width, MaxLength]: the live hypotheses' tokens
        private readonly int[] _nextTokens;
        private readonly double[] _scores;    // log-probability of each live hypothesis
        private readonly double[] _nextScores;
        private readonly float[] _logits;     // [Width, Vocabulary]
        private readonly double[] _candidateKeys;
        private readonly int[] _candidates;
        private readonly int[] _finished;     // [Width, MaxLength]
        private readonly int[] _finishedLength;
        private readonly double[] _finishedScore;
        private bool _disposed;

        /// <summary>Creates a beam search over <paramref name="model"/>.</summary>
        /// <param name="model">A model with a streaming step; its outputs are logits over the vocabulary.</param>
        /// <param name="vocabulary">The model's output size.</param>
        /// <param name="width">The number of hypotheses kept at each step, 1 … 256.</param>
        /// <param name="maxLength">The longest output, in tokens (the end token included); positive.</param>
        /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
        public BeamSearch(ITokenStreamingModel<TState> model, int vocabulary, int width, int maxLength)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabulary);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
            if (width < 1 || width > 256)
            {
                throw new ArgumentOutOfRangeException(nameof(width), width, "The beam width must be in 1 … 256.");
            }

            _model = model;
            Vocabulary = vocabulary;
            Width = width;
            MaxLength = maxLength;
            _states = new TState[width];
            _next = new TState[width];
            try
            {
                for (int i = 0; i < width; i++)
                {
                    _states[i] = model.NewState();
                    _next[i] = model.NewState();
                }
            }
            catch
            {
                Dispose();
                throw;
            }

            _tokens = new int[width * maxLength];
            _nextTokens = new int[width * maxLength];
            _scores = new double[width];
            _nextScores = new double[width];
            _logits = new float[width * vocabulary];
            _candidateKeys = new double[width * vocabulary];
            _candidates = new int[width * vocabulary];
            _finished = new int[width * maxLength];
            _finishedLength = new int[width];
            _finishedScore = new double[width];
        }

        /// <summary>Gets the model's output size.</summary>
        public int Vocabulary { get; }

        /// <summary>Gets the number of hypotheses kept at each step.</summary>
        public int Width { get; }

        /// <summary>Gets the longest output, in tokens.</summary>
        public int MaxLength { get; }

        /// <summary>Gets or sets the length normalisation exponent α (0 … 2; 1 by default).</summary>
        public double LengthPenalty
        {
            get => _lengthPenalty;
            set
            {
                if (!(value >= 0 && value <= 2))
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, "The length penalty must be in 0 … 2.");
                }

                _lengthPenalty = value;
            }
        }

        private double _lengthPenalty = 1;

        /// <summary>
        /// Decodes one output sequence, starting from <paramref name="initial"/> (for example an
        /// encoder's final state, or a fresh state) and the token <paramref name="start"/>.
        /// </summary>
        /// <param name="initial">The state before the first token; not modified.</param>
        /// <param name="start">The first input token (a start-of-sequence marker).</param>
        /// <param name="end">The token that ends a hypothesis.</param>
        /// <param name="output">Receives the best sequence's tokens (the end token included when it was emitted); at least MaxLength long.</param>
        /// <param name="score">The best sequence's length-normalised log-probability.</param>
        /// <returns>The number of tokens written to <paramref name="output"/>.</returns>
        /// <exception cref="ArgumentException"><paramref name="output"/> is shorter than MaxLength, or a token is outside the vocabulary.</exception>
        public int Search(TState initial, int start, int end, Span<int> output, out double score)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ArgumentNullException.ThrowIfNull(initial);
            if ((uint)end >= (uint)Vocabulary)
            {
                throw new ArgumentOutOfRangeException(nameof(end), end, $"The end token must be in 0 … {Vocabulary - 1}.");
            }

            if (output.Length < MaxLength)
            {
                throw new ArgumentException($"output must hold MaxLength = {MaxLength} tokens, but holds {output.Length}.", nameof(output));
            }

            int live = 1, finished = 0;
            initial.CopyTo(_states[0]);
            _scores[0] = 0;
            for (int length = 0; length < MaxLength && live > 0 && finished < Width; length++)
            {
                // Step every live hypothesis by its last token; log-softmax its logits.
                for (int beam = 0; beam < live; beam++)
                {
                    int input = length == 0 ? start : _tokens[(beam * MaxLength) + length - 1];
                    var logits = _logits.AsSpan(beam * Vocabulary, Vocabulary);
                    _model.Step(_states[beam], input, logits);
                    LogSoftmax(logits);
                }

                // Rank every extension by its total log-probability (ties: beam, then token).
                int count = live * Vocabulary;
                for (int c = 0; c < count; c++)
                {
                    int beam = c / Vocabulary;
                    double total = _scores[beam] + _logits[c];
                    _candidateKeys[c] = double.IsNaN(total) ? double.PositiveInfinity : -total;
                    _candidates[c] = c;
                }

                Sampling.Rank(_candidateKeys.AsSpan(0, count), _candidates.AsSpan(0, count));

                // Take the best extensions: an end token (or the length limit) finishes a hypothesis;
                // the others become the next step's live beams.
                int nextLive = 0;
                for (int r = 0; r < count && nextLive < Width && finished < Width; r++)
                {
                    int c = _candidates[r];
                    int beam = c / Vocabulary, token = c - (beam * Vocabulary);
                    double total = _scores[beam] + _logits[c];
                    if (!(total > double.NegativeInfinity))
                    {
                        break; // probability 0 (or NaN logits): nothing below is a hypothesis
                    }

                    if (token == end || length + 1 == MaxLength)
                    {
                        var destination = _finished.AsSpan(finished * MaxLength, length + 1);
                        _tokens.AsSpan(beam * MaxLength, length).CopyTo(destination);
                        destination[length] = token;
                        _finishedLength[finished] = length + 1;
                        _finishedScore[finished] = total / Math.Pow(length + 1, _lengthPenalty);
                        finished++;
                        continue;
                    }

                    _tokens.AsSpan(beam * MaxLength, length).CopyTo(_nextTokens.AsSpan(nextLive * MaxLength, length));
                    _nextTokens[(nextLive * MaxLength) + length] = token;
                    _nextScores[nextLive] = total;
                    _states[beam].CopyTo(_next[nextLive]);
                    nextLive++;
                }

                // The next step's beams become the current ones.
                _nextTokens.AsSpan(0, nextLive * MaxLength).CopyTo(_tokens);
                _nextScores.AsSpan(0, nextLive).CopyTo(_scores);
                for (int beam = 0; beam < nextLive; beam++)
                {
                    _next[beam].CopyTo(_states[beam]);
                }

                live = nextLive;
            }

            if (finished == 0)
            {
                throw new InvalidOperationException("Every extension has probability 0 (all logits are negative infinity), so there is no hypothesis.");
            }

            int best = 0;
            for (int i = 1; i < finished; i++)
            {
                if (_finishedScore[i] > _finishedScore[best])
                {
                    best = i;
                }
            }

            score = _finishedScore[best];
            int n = _finishedLength[best];
            _finished.AsSpan(best * MaxLength, n).CopyTo(output);
            return n;
        }

        /// <summary>Frees the beams' states.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var state in _states)
            {
                state?.Dispose();
            }

            foreach (var state in _next)
            {
                state?.Dispose();
            }
        }

        /// <summary>logits ← logits − log Σ exp(logits), in double precision.</summary>
        private static void LogSoftmax(Span<float> logits)
        {
            float max = float.NegativeInfinity;
            foreach (float v in logits)
            {
                max = Math.Max(max, v);
            }

            double sum = 0;
            foreach (float v in logits)
            {
                sum += Math.Exp((double)v - max);
            }

            double log = max + Math.Log(sum);
            for (int i = 0; i < logits.Length; i++)
            {
                logits[i] = (float)(logits[i] - log);
            }
        }
    }
}
