using System;

namespace RnnGen.Audio
{
    /// <summary>How <see cref="SampleRateCorrection{TState}"/> delays the recurrent state.</summary>
    public enum SampleRateCorrectionMode
    {
        /// <summary>
        /// The delay is rounded to a whole number of samples D, and each step continues from the state of D
        /// steps ago. For a whole ratio this is exact: the model runs as D interleaved copies, each at the
        /// rate it was trained at.
        /// </summary>
        NoInterpolation = 0,

        /// <summary>
        /// A fractional delay d = D + α: each step continues from (1 − α)·(the state of D steps ago) + α·(the
        /// state of D + 1 steps ago), every hidden and cell value interpolated linearly.
        /// </summary>
        LinearInterpolation = 1,
    }

    /// <summary>
    /// Runs a recurrent model trained at one sample rate at a higher one: each step continues from the
    /// recurrent state of ratio = runRate / trainedRate samples ago instead of the previous sample's,
    /// so the state evolves at the rate the model learnt (the approach of RTNeural's
    /// <c>SampleRateCorrectionMode</c>). A model trained at 48 kHz then runs at 96 kHz with a delay of 2.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The delay applies to the whole state of every layer (each layer's hidden state and, for an LSTM,
    /// its cell state). Each layer's output to the layer above, and the model's output, are the values of
    /// the current step: unlike RTNeural's layers, whose outputs are the delayed states, no latency is
    /// added. With a whole delay D and no interpolation, the outputs are exactly those of D copies of the
    /// model interleaved sample by sample, so an input held for D samples gives each of the model's
    /// outputs at its own rate D times, bit for bit.
    /// </para>
    /// <para>
    /// It suits models whose state is their recurrent layers' hidden (and cell) states: stepped models
    /// read out at every step, without attention. All the memory is allocated by the constructor;
    /// <see cref="Step"/> and <see cref="Process"/> allocate nothing and take no lock. The model is not
    /// owned: disposing the correction frees only its states.
    /// </para>
    /// </remarks>
    /// <typeparam name="TState">The model's nested <c>State</c> type.</typeparam>
    public sealed class SampleRateCorrection<TState> : IDisposable
        where TState : IRecurrentState
    {
        private readonly IFeatureStreamingModel<TState> _model;
        private readonly TState[] _history;
        private readonly bool[] _hasCell;
        private readonly int _whole;
        private readonly float _fraction;
        private readonly int _inputSize;
        private readonly int _outputSize;
        private long _step;
        private bool _disposed;

        /// <summary>Creates the delay line of states for running <paramref name="model"/> at <paramref name="runRate"/>.</summary>
        /// <param name="model">A generated model with float inputs; its weights are read at every step, so later changes take effect.</param>
        /// <param name="trainedRate">The sample rate the model was trained at, in Hz.</param>
        /// <param name="runRate">The sample rate it runs at, in Hz, at least <paramref name="trainedRate"/>.</param>
        /// <param name="mode">Whether a fractional delay is interpolated or rounded.</param>
        /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A rate is not positive and finite, <paramref name="runRate"/> is below <paramref name="trainedRate"/>, the delay exceeds 64 samples, or <paramref name="mode"/> is not defined.</exception>
        /// <exception cref="ArgumentException">The model is an attention decoder or is not read out at every step.</exception>
        public SampleRateCorrection(IFeatureStreamingModel<TState> model, double trainedRate, double runRate, SampleRateCorrectionMode mode = SampleRateCorrectionMode.LinearInterpolation)
        {
            ArgumentNullException.ThrowIfNull(model);
            if (!(trainedRate > 0) || double.IsInfinity(trainedRate))
            {
                throw new ArgumentOutOfRangeException(nameof(trainedRate), trainedRate, "The trained sample rate must be positive and finite.");
            }

            if (!(runRate > 0) || double.IsInfinity(runRate))
            {
                throw new ArgumentOutOfRangeException(nameof(runRate), runRate, "The run sample rate must be positive and finite.");
            }

            if (mode is not (SampleRateCorrectionMode.NoInterpolation or SampleRateCorrectionMode.LinearInterpolation))
            {
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a defined SampleRateCorrectionMode.");
            }

            double delay = runRate / trainedRate;
            if (delay < 1 || delay > MaxDelay)
            {
                throw new ArgumentOutOfRangeException(nameof(runRate), runRate, $"The run rate must be 1 to {MaxDelay} times the trained rate ({trainedRate.ToString(System.Globalization.CultureInfo.InvariantCulture)} Hz); it is {delay.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} times.");
            }

            if (model is IAttentionModel)
            {
                throw new ArgumentException("An attention decoder's state holds its memory, which a delay cannot interpolate.", nameof(model));
            }

            if (model is not IRnnModel rnn || rnn.OutputSteps != rnn.SequenceLength)
            {
                throw new ArgumentException("The model must be read out at every step (its state is then its layers' hidden and cell states).", nameof(model));
            }

            if (mode == SampleRateCorrectionMode.NoInterpolation)
            {
                _whole = (int)Math.Round(delay, MidpointRounding.AwayFromZero);
                _fraction = 0f;
            }
            else
            {
                _whole = (int)Math.Floor(delay);
                _fraction = (float)(delay - _whole);
            }

            Delay = mode == SampleRateCorrectionMode.NoInterpolation ? _whole : delay;
            Mode = mode;
            _model = model;
            _inputSize = rnn.InputSize;
            _outputSize = rnn.OutputSize;

            // The states of the last D + 1 steps (D when the delay is whole), in a ring indexed by step.
            int kept = _fraction > 0 ? _whole + 1 : _whole;
            _history = new TState[kept];
            for (int i = 0; i < kept; i++)
            {
                _history[i] = model.NewState();
            }

            _hasCell = new bool[_history[0].LayerCount];
            for (int layer = 0; layer < _hasCell.Length; layer++)
            {
                try
                {
                    _history[0].Cell(layer);
                    _hasCell[layer] = true;
                }
                catch (InvalidOperationException)
                {
                    _hasCell[layer] = false;
                }
            }
        }

        /// <summary>The largest delay, in samples of the run rate: 64.</summary>
        public const int MaxDelay = 64;

        /// <summary>Gets the delay in samples: runRate / trainedRate, rounded with <see cref="SampleRateCorrectionMode.NoInterpolation"/>.</summary>
        public double Delay { get; }

        /// <summary>Gets the mode.</summary>
        public SampleRateCorrectionMode Mode { get; }

        /// <summary>Clears every delayed state, as at the start of a signal.</summary>
        public void Reset()
        {
            ThrowIfDisposed();
            foreach (var state in _history)
            {
                state.Reset();
            }

            _step = 0;
        }

        /// <summary>One sample at the run rate: the model's step from the delayed state.</summary>
        /// <param name="input">InputSize features.</param>
        /// <param name="output">Receives OutputSize outputs.</param>
        /// <exception cref="ArgumentException">The lengths are wrong, or the input is not finite (nothing changes then).</exception>
        public void Step(ReadOnlySpan<float> input, Span<float> output)
        {
            ThrowIfDisposed();
            if (input.Length != _inputSize)
            {
                throw new ArgumentException($"input must hold InputSize = {_inputSize} floats, but holds {input.Length}.", nameof(input));
            }

            if (output.Length != _outputSize)
            {
                throw new ArgumentException($"output must hold OutputSize = {_outputSize} floats, but holds {output.Length}.", nameof(output));
            }

            int bad = Numerics.Finite.IndexOfNonFinite(input);
            if (bad >= 0)
            {
                throw new ArgumentException($"input[{bad}] is not finite; nothing changed.", nameof(input));
            }

            StepUnchecked(input, output);
        }

        /// <summary>A block of samples at the run rate, one step each (see <see cref="Step"/>).</summary>
        /// <param name="inputs">InputSize features per sample, sample after sample.</param>
        /// <param name="outputs">Receives OutputSize outputs per sample, sample after sample.</param>
        /// <exception cref="ArgumentException">The lengths do not match, or an input is not finite (nothing changes then).</exception>
        public void Process(ReadOnlySpan<float> inputs, Span<float> outputs)
        {
            ThrowIfDisposed();
            if (inputs.Length % _inputSize != 0)
            {
                throw new ArgumentException($"inputs must hold InputSize = {_inputSize} floats per sample, but holds {inputs.Length}, not a multiple of it.", nameof(inputs));
            }

            int samples = inputs.Length / _inputSize;
            if (outputs.Length != (long)samples * _outputSize)
            {
                throw new ArgumentException($"outputs must hold OutputSize = {_outputSize} floats per sample ({(long)samples * _outputSize}), but holds {outputs.Length}.", nameof(outputs));
            }

            int bad = Numerics.Finite.IndexOfNonFinite(inputs);
            if (bad >= 0)
            {
                throw new ArgumentException($"inputs[{bad}] (sample {bad / _inputSize}) is not finite; nothing changed.", nameof(inputs));
            }

            for (int t = 0; t < samples; t++)
            {
                StepUnchecked(inputs.Slice(t * _inputSize, _inputSize), outputs.Slice(t * _outputSize, _outputSize));
            }
        }

        /// <summary>Frees the states.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var state in _history)
            {
                state.Dispose();
            }
        }

        private void StepUnchecked(ReadOnlySpan<float> input, Span<float> output)
        {
            // The ring's slot for this step holds the oldest state it keeps: the state D steps ago when the
            // delay is whole, D + 1 steps ago otherwise. It becomes the state this step continues from (the
            // one D steps ago, or the interpolation between the two), and the model steps it in place: it
            // then holds this step's state, which no step reads before step t + D.
            int kept = _history.Length;
            var state = _history[(int)(_step % kept)];
            if (_fraction > 0)
            {
                var recent = _history[(int)((_step + 1) % kept)];
                for (int layer = 0; layer < _hasCell.Length; layer++)
                {
                    Interpolate(recent.Hidden(layer), state.Hidden(layer), _fraction);
                    if (_hasCell[layer])
                    {
                        Interpolate(recent.Cell(layer), state.Cell(layer), _fraction);
                    }
                }
            }

            _model.Step(state, input, output);
            _step++;
        }

        /// <summary>older = (1 − α)·recent + α·older, element by element, in place.</summary>
        private static void Interpolate(ReadOnlySpan<float> recent, Span<float> older, float alpha)
        {
            float keep = 1f - alpha;
            for (int i = 0; i < older.Length; i++)
            {
                older[i] = (keep * recent[i]) + (alpha * older[i]);
            }
        }

        private void ThrowIfDisposed()
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(SampleRateCorrection<TState>));
            }
        }
    }
}
