using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace RnnGen.Optimizers
{
    /// <summary>
    /// The base class of the gradient-descent optimizers, which update <see cref="Parameter"/>
    /// values from their gradients with the semantics of the corresponding <c>torch.optim</c> class.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Optimizer state (momentum buffers, moment estimates, accumulators) lives in native aligned
    /// buffers allocated by the constructor, so <see cref="Step"/> and <see cref="ZeroGradients"/>
    /// never allocate. Dispose the optimizer to release that memory.
    /// </para>
    /// <para>
    /// A step that would turn any finite parameter or optimizer state value into NaN or an infinity
    /// (a NaN or infinite gradient, or an update that overflows) is refused as a whole: <see cref="Step"/>
    /// returns <see langword="false"/>, counts it in <see cref="SkippedSteps"/>, and leaves every
    /// parameter, every state buffer and <see cref="StepCount"/> unchanged, as PyTorch's AMP
    /// gradient scaler skips steps with non-finite gradients. To do so the update is checked in a pass
    /// that writes nothing, then written.
    /// </para>
    /// <para>Instances are not thread-safe.</para>
    /// </remarks>
    public abstract class Optimizer : IDisposable
    {
        private readonly Parameter[] _parameters;
        private readonly int[] _stateOffsets;
        private float _learningRate;
        private bool _disposed;

        /// <summary>Initialises the parameter list and the learning rate.</summary>
        /// <param name="parameters">The parameters to optimise. Must not be empty, contain
        /// <see langword="null"/> or contain the same parameter twice. The list is copied.</param>
        /// <param name="learningRate">The learning rate. Must be finite and not negative.</param>
        /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="parameters"/> is empty, contains
        /// <see langword="null"/>, contains a parameter twice, or has more than
        /// <see cref="int.MaxValue"/> elements in total.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is negative or not finite.</exception>
        protected Optimizer(IReadOnlyList<Parameter> parameters, float learningRate)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            if (parameters.Count == 0)
            {
                throw new ArgumentException("The optimizer needs at least one parameter.", nameof(parameters));
            }

            var copy = new Parameter[parameters.Count];
            var offsets = new int[parameters.Count];
            var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
            long total = 0;
            for (int i = 0; i < copy.Length; i++)
            {
                Parameter? parameter = parameters[i];
                if (parameter is null)
                {
                    throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
                }

                if (!seen.Add(parameter))
                {
                    throw new ArgumentException($"Parameter '{parameter.Name}' appears more than once.", nameof(parameters));
                }

                copy[i] = parameter;
                offsets[i] = (int)total;
                total += parameter.Length;
                if (total > int.MaxValue)
                {
                    throw new ArgumentException($"The parameters have more than {int.MaxValue} elements in total.", nameof(parameters));
                }
            }

            HyperParameters.RequireNonNegative(learningRate, nameof(learningRate), "learning rate");
            _parameters = copy;
            _stateOffsets = offsets;
            TotalLength = (int)total;
            Parameters = new ReadOnlyCollection<Parameter>(copy);
            LearningRate = learningRate;
        }

        /// <summary>Gets the parameters being optimised, in the order given to the constructor.</summary>
        public IReadOnlyList<Parameter> Parameters { get; }

        /// <summary>
        /// Gets or sets the learning rate. It may be changed between steps, for example by a learning
        /// rate schedule; setting it does not allocate.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
        public float LearningRate
        {
            get => _learningRate;
            set
            {
                HyperParameters.RequireNonNegative(value, nameof(value), "learning rate");
                _learningRate = value;
                LearningRateAsDecimal = HyperParameters.ToDecimalDouble(value);
            }
        }

        /// <summary>Gets the number of steps taken: calls to <see cref="Step"/> that updated the parameters.</summary>
        public int StepCount { get; private set; }

        /// <summary>Gets the number of steps refused because they would have made a finite parameter or state value NaN or infinite.</summary>
        public int SkippedSteps { get; private set; }

        /// <summary>Gets the parameters as an array, for allocation-free iteration.</summary>
        private protected Parameter[] ParameterArray => _parameters;

        /// <summary>Gets the offset of each parameter's state within a state buffer of <see cref="TotalLength"/> elements.</summary>
        private protected int[] StateOffsets => _stateOffsets;

        /// <summary>Gets the total number of elements of all parameters.</summary>
        private protected int TotalLength { get; }

        /// <summary>Gets the learning rate as the double with the same shortest decimal representation.</summary>
        private protected double LearningRateAsDecimal { get; private set; }

        /// <summary>
        /// Updates every parameter's values from its current gradient and advances
        /// <see cref="StepCount"/>, unless the update would turn a finite parameter or optimizer state
        /// value into NaN or an infinity: then nothing changes, <see cref="SkippedSteps"/> is incremented and the
        /// result is <see langword="false"/>. Gradients are left unchanged; call
        /// <see cref="ZeroGradients"/> before accumulating the next ones. Does not allocate.
        /// </summary>
        /// <returns><see langword="true"/> when the step was taken; <see langword="false"/> when it was refused.</returns>
        /// <exception cref="ObjectDisposedException">The optimizer, or a model behind a parameter, has been disposed.</exception>
        public bool Step()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // Touch every parameter first: if a model behind the list has been disposed this throws
            // here, before any parameter, any optimizer state or the step count has changed.
            for (int i = 0; i < _parameters.Length; i++)
            {
                _ = _parameters[i].Value;
                _ = _parameters[i].Gradient;
            }

            int step = StepCount + 1;
            if (!Update(step, commit: false))
            {
                SkippedSteps++;
                return false;
            }

            Update(step, commit: true);
            StepCount = step;
            return true;
        }

        /// <summary>Sets the gradient of every parameter to zero. Does not allocate.</summary>
        public void ZeroGradients()
        {
            Parameter[] parameters = _parameters;
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i].Gradient.Clear();
            }
        }

        /// <summary>Releases the optimizer state.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>
        /// Computes step <paramref name="step"/> (1-based) of every parameter from its gradient and
        /// the optimizer state. With <paramref name="commit"/> <see langword="false"/> nothing is
        /// written; with <see langword="true"/> the new values and state are stored. Both compute the
        /// same bits.
        /// </summary>
        /// <param name="step">The number of the step, counting taken steps only.</param>
        /// <param name="commit">Whether to write the results.</param>
        /// <returns>Whether no finite parameter or state value would become NaN or infinite.</returns>
        private protected abstract bool Update(int step, bool commit);

        /// <summary>Gets the optimizer's name, as in <c>torch.optim</c> (checked when a checkpoint is restored).</summary>
        internal abstract string Kind { get; }

        /// <summary>Gets the fixed hyper-parameters, in invariant text (checked when a checkpoint is restored).</summary>
        internal abstract string Settings { get; }

        /// <summary>Gets the state buffers, each of <see cref="TotalLength"/> elements laid out by <see cref="StateOffsets"/>, with PyTorch's state names.</summary>
        internal abstract IReadOnlyList<(string Name, AlignedBuffer Buffer)> StateBuffers { get; }

        /// <summary>Gets the offset of a parameter's state within each state buffer.</summary>
        /// <param name="index">The parameter's index in <see cref="Parameters"/>.</param>
        /// <returns>The offset in elements.</returns>
        internal int StateOffsetOf(int index) => _stateOffsets[index];

        /// <summary>Sets the step counters, as a restored checkpoint had them.</summary>
        /// <param name="stepCount">The steps taken.</param>
        /// <param name="skippedSteps">The steps refused.</param>
        internal void RestoreCounters(int stepCount, int skippedSteps)
        {
            StepCount = stepCount;
            SkippedSteps = skippedSteps;
        }

        /// <summary>Throws if the optimizer has been disposed.</summary>
        internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

        /// <summary>Releases the optimizer state.</summary>
        /// <param name="disposing"><see langword="true"/> when called from <see cref="Dispose()"/>;
        /// <see langword="false"/> when called from a finalizer.</param>
        protected virtual void Dispose(bool disposing)
        {
            _disposed = true;
        }
    }
}
