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

        /// <summary>Gets the number of completed calls to <see cref="Step"/>.</summary>
        public int StepCount { get; private set; }

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
        /// <see cref="StepCount"/>. Gradients are left unchanged; call <see cref="ZeroGradients"/>
        /// before accumulating the next ones. Does not allocate.
        /// </summary>
        /// <exception cref="ObjectDisposedException">The optimizer has been disposed.</exception>
        public abstract void Step();

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
        /// Checks that the optimizer and every parameter are usable, then increments
        /// <see cref="StepCount"/> and returns its new value. Every implementation of
        /// <see cref="Step"/> calls it first, so a failed step changes nothing.
        /// </summary>
        /// <returns>The 1-based number of the step being taken.</returns>
        /// <exception cref="ObjectDisposedException">The optimizer has been disposed.</exception>
        protected int BeginStep()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // Touch every parameter first: if a model behind the list has been disposed this throws
            // here, before any parameter, any optimizer state or the step count has changed.
            for (int i = 0; i < Parameters.Count; i++)
            {
                _ = Parameters[i].Value;
                _ = Parameters[i].Gradient;
            }

            return ++StepCount;
        }

        /// <summary>Releases the optimizer state.</summary>
        /// <param name="disposing"><see langword="true"/> when called from <see cref="Dispose()"/>;
        /// <see langword="false"/> when called from a finalizer.</param>
        protected virtual void Dispose(bool disposing)
        {
            _disposed = true;
        }
    }
}
