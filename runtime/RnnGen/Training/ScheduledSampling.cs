using System;

namespace RnnGen
{
    /// <summary>
    /// Teacher forcing, free running and scheduled sampling (Bengio et al., 2015) for a token model
    /// that reads its own previous output: chooses each step's input either from the ground truth
    /// (with probability <c>teacherProbability</c>) or by sampling the model's output at the previous
    /// step, then the batch trains on the chosen inputs with the model's usual <c>TrainStep</c>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The inputs are chosen by stepping each sequence through the model with its streaming
    /// <c>Step</c> from the batch's initial state (<see cref="IRnnModel.InitialHidden"/>), which gives
    /// the outputs <c>Forward</c> would give on the chosen inputs bit for bit. As in the paper, no
    /// gradient flows through the choice: the sampled tokens are treated as given inputs.
    /// </para>
    /// <para>
    /// The first input of every sequence is always the ground truth (it is the start token, with no
    /// previous output to sample). Probability 1 is teacher forcing, 0 is free running. All memory is
    /// allocated by the constructor.
    /// </para>
    /// </remarks>
    /// <typeparam name="TState">The model's stream state type.</typeparam>
    public sealed class ScheduledSampling<TState> : IDisposable
        where TState : IRecurrentState
    {
        private readonly IRnnModel _model;
        private readonly ITokenStreamingModel<TState> _streaming;
        private readonly TokenSampler _sampler;
        private readonly TState _state;
        private readonly float[] _logits;
        private readonly RandomSource _random;
        private bool _disposed;

        /// <summary>Creates the input chooser for <paramref name="model"/>.</summary>
        /// <param name="model">A token model whose outputs are logits over its own input vocabulary, with an output at every step.</param>
        /// <param name="random">The source of both the teacher/model coin flips and the sampled tokens.</param>
        /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The model's outputs are not one per step over its input vocabulary.</exception>
        public ScheduledSampling(ITokenStreamingModel<TState> model, RandomSource random)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(random);
            if (model is not IRnnModel rnn)
            {
                throw new ArgumentException("The model must be a generated model (IRnnModel).", nameof(model));
            }

            if (rnn.OutputSize != rnn.InputSize || rnn.OutputSteps != rnn.SequenceLength)
            {
                throw new ArgumentException(
                    $"Scheduled sampling feeds the model's outputs back as inputs, so it needs an output at every step over the input vocabulary; this model has {rnn.OutputSteps} output row(s) of {rnn.OutputSize} for {rnn.InputSize} input tokens.",
                    nameof(model));
            }

            _model = rnn;
            _streaming = model;
            _random = random;
            _sampler = new TokenSampler(rnn.OutputSize, random);
            _logits = new float[rnn.OutputSize];
            _state = model.NewState();
        }

        /// <summary>Gets or sets the temperature of the model's samples (0 feeds back its argmax). 1 by default.</summary>
        public float Temperature
        {
            get => _sampler.Temperature;
            set => _sampler.Temperature = value;
        }

        /// <summary>
        /// Chooses the inputs of a batch: for each sequence and step t ≥ 1, the ground truth with
        /// probability <paramref name="teacherProbability"/>, otherwise a token sampled from the
        /// model's output at step t − 1 given the inputs chosen so far. The model's outputs come from
        /// <c>Step</c>, which never applies dropout (<see cref="DropoutAttribute"/>): the samples are
        /// the model's own predictions, not those of one dropped-out pass.
        /// </summary>
        /// <param name="teacherInputs">The ground-truth inputs, [BatchSize, SequenceLength].</param>
        /// <param name="lengths">Real steps of each sequence; empty for every sequence at full length.</param>
        /// <param name="teacherProbability">In [0, 1]: 1 is teacher forcing, 0 free running.</param>
        /// <param name="inputs">Receives the chosen inputs, [BatchSize, SequenceLength]; padding is copied from the ground truth.</param>
        /// <returns>How many real steps (after each sequence's first) took the model's own sample.</returns>
        /// <exception cref="ArgumentException">A span has the wrong length, or a length or token is out of range.</exception>
        public int ChooseInputs(ReadOnlySpan<int> teacherInputs, ReadOnlySpan<int> lengths, double teacherProbability, Span<int> inputs)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int t = _model.SequenceLength, batch = _model.BatchSize;
            if (teacherInputs.Length != batch * t || inputs.Length != batch * t)
            {
                throw new ArgumentException($"teacherInputs and inputs must hold BatchSize × SequenceLength = {batch * t} tokens.");
            }

            if (!lengths.IsEmpty && lengths.Length != batch)
            {
                throw new ArgumentException($"lengths must hold BatchSize = {batch} values, or be empty.", nameof(lengths));
            }

            if (!(teacherProbability >= 0 && teacherProbability <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(teacherProbability), teacherProbability, "The teacher-forcing probability must be in [0, 1].");
            }

            teacherInputs.CopyTo(inputs);
            int sampled = 0;
            for (int b = 0; b < batch; b++)
            {
                int length = lengths.IsEmpty ? t : lengths[b];
                if ((uint)length > (uint)t)
                {
                    throw new ArgumentOutOfRangeException(nameof(lengths), length, $"The length of sequence {b} is outside 0 … {t}.");
                }

                // The stream starts from row b of the batch's initial state, as Forward does.
                for (int layer = 0; layer < _model.LayerCount; layer++)
                {
                    int h = _model.HiddenSize(layer);
                    _model.InitialHidden(layer).Slice(b * h, h).CopyTo(_state.Hidden(layer));
                    if (_model.HasCellState(layer))
                    {
                        _model.InitialCell(layer).Slice(b * h, h).CopyTo(_state.Cell(layer));
                    }
                }

                for (int step = 0; step < length; step++)
                {
                    int i = (b * t) + step;
                    if (step > 0 && (teacherProbability == 0 || (teacherProbability < 1 && _random.NextDouble() >= teacherProbability)))
                    {
                        inputs[i] = _sampler.Next(_logits);
                        sampled++;
                    }

                    if (step + 1 < length)
                    {
                        _streaming.Step(_state, inputs[i], _logits);
                    }
                }
            }

            return sampled;
        }

        /// <summary>Frees the stream state.</summary>
        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                _state.Dispose();
            }
        }
    }

    /// <summary>
    /// Decay schedules for the teacher-forcing probability of <see cref="ScheduledSampling{TState}"/>,
    /// from Bengio et al., "Scheduled Sampling for Sequence Prediction with Recurrent Neural
    /// Networks" (2015). Each maps a training step i ≥ 0 to a probability in [0, 1].
    /// </summary>
    public static class TeacherForcingSchedule
    {
        /// <summary>Linear decay: max(floor, 1 − slope · i).</summary>
        /// <param name="step">The training step i, not negative.</param>
        /// <param name="slope">The decrease per step, not negative.</param>
        /// <param name="floor">The lowest probability, in [0, 1].</param>
        /// <returns>The teacher-forcing probability.</returns>
        public static double Linear(int step, double slope, double floor = 0)
        {
            Check(step, floor);
            ArgumentOutOfRangeException.ThrowIfNegative(slope);
            return Math.Max(floor, 1 - (slope * step));
        }

        /// <summary>Exponential decay: k^i, with 0 &lt; k &lt; 1.</summary>
        /// <param name="step">The training step i, not negative.</param>
        /// <param name="k">The base, in (0, 1).</param>
        /// <returns>The teacher-forcing probability.</returns>
        public static double Exponential(int step, double k)
        {
            Check(step, 0);
            if (!(k > 0 && k < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(k), k, "k must be in (0, 1).");
            }

            return Math.Pow(k, step);
        }

        /// <summary>Inverse sigmoid decay: k / (k + exp(i / k)), with k ≥ 1.</summary>
        /// <param name="step">The training step i, not negative.</param>
        /// <param name="k">How slowly it decays, at least 1.</param>
        /// <returns>The teacher-forcing probability.</returns>
        public static double InverseSigmoid(int step, double k)
        {
            Check(step, 0);
            if (!(k >= 1) || double.IsInfinity(k))
            {
                throw new ArgumentOutOfRangeException(nameof(k), k, "k must be finite and at least 1.");
            }

            return k / (k + Math.Exp(step / k));
        }

        private static void Check(int step, double floor)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(step);
            if (!(floor >= 0 && floor <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(floor), floor, "The floor must be in [0, 1].");
            }
        }
    }
}
