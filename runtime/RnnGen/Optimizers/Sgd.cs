using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnGen.Optimizers
{
    /// <summary>
    /// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay,
    /// with the semantics of <c>torch.optim.SGD</c> (dampening 0).
    /// </summary>
    /// <remarks>
    /// For each parameter <c>p</c> with gradient <c>g</c>, at step <c>t</c>:
    /// <code>
    /// g = g + weightDecay * p                       (when weightDecay != 0)
    /// if momentum != 0:
    ///     buf = g                  at t = 1
    ///     buf = momentum * buf + g at t > 1
    ///     g = nesterov ? g + momentum * buf : buf
    /// p = p - learningRate * g
    /// </code>
    /// </remarks>
    public sealed class Sgd : Optimizer
    {
        private readonly float _momentum;
        private readonly bool _nesterov;
        private readonly float _weightDecay;
        private AlignedBuffer? _momentumBuffer;

        /// <summary>Creates the optimizer.</summary>
        /// <param name="parameters">The parameters to optimise.</param>
        /// <param name="learningRate">The learning rate (<c>lr</c>). Must be finite and not negative.</param>
        /// <param name="momentum">The momentum factor. Must be finite and not negative; 0 disables momentum.</param>
        /// <param name="nesterov">Whether to use Nesterov momentum; requires a positive <paramref name="momentum"/>.</param>
        /// <param name="weightDecay">The L2 penalty (<c>weight_decay</c>). Must be finite and not negative.</param>
        /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The parameter list is invalid (see <see cref="Optimizer"/>), or
        /// <paramref name="nesterov"/> is set without momentum.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
        public Sgd(IReadOnlyList<Parameter> parameters, float learningRate, float momentum = 0f, bool nesterov = false, float weightDecay = 0f)
            : base(parameters, learningRate)
        {
            HyperParameters.RequireNonNegative(momentum, nameof(momentum), "momentum");
            HyperParameters.RequireNonNegative(weightDecay, nameof(weightDecay), "weight decay");
            if (nesterov && momentum == 0f)
            {
                throw new ArgumentException("Nesterov momentum requires a positive momentum.", nameof(nesterov));
            }

            _momentum = momentum;
            _nesterov = nesterov;
            _weightDecay = weightDecay;
            if (momentum != 0f)
            {
                _momentumBuffer = new AlignedBuffer(TotalLength);
            }
        }

        /// <summary>Gets the momentum factor.</summary>
        public float Momentum => _momentum;

        /// <summary>Gets a value indicating whether Nesterov momentum is used.</summary>
        public bool Nesterov => _nesterov;

        /// <summary>Gets the L2 weight decay.</summary>
        public float WeightDecay => _weightDecay;

        /// <inheritdoc/>
        internal override string Kind => "SGD";

        /// <inheritdoc/>
        internal override string Settings => HyperParameters.Describe(("momentum", _momentum), ("nesterov", _nesterov), ("weight_decay", _weightDecay));

        /// <inheritdoc/>
        internal override IReadOnlyList<(string Name, AlignedBuffer Buffer)> StateBuffers =>
            _momentumBuffer is null ? [] : [("momentum_buffer", _momentumBuffer)];

        /// <inheritdoc/>
        private protected override bool Update(int step, bool commit)
        {
            float negativeRate = -LearningRate;
            Parameter[] parameters = ParameterArray;
            int[] offsets = StateOffsets;
            bool finite = true;
            for (int k = 0; k < parameters.Length; k++)
            {
                Parameter parameter = parameters[k];
                Span<float> values = parameter.Value;
                ReadOnlySpan<float> gradients = parameter.Gradient;
                if (_momentumBuffer is null)
                {
                    finite &= UpdatePlain(values, gradients, negativeRate, _weightDecay, commit);
                }
                else
                {
                    Span<float> buffer = _momentumBuffer.AsSpan(offsets[k], parameter.Length);
                    finite &= UpdateMomentum(values, gradients, buffer, negativeRate, _weightDecay, _momentum, _nesterov, step == 1, commit);
                }
            }

            return finite;
        }

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _momentumBuffer?.Dispose();
                _momentumBuffer = null;
            }

            base.Dispose(disposing);
        }

        /// <summary>One parameter's plain update; writes only when <paramref name="commit"/>; returns whether every new value is finite.</summary>
        private static bool UpdatePlain(Span<float> values, ReadOnlySpan<float> gradients, float negativeRate, float weightDecay, bool commit)
        {
            int i = 0;

            // Refused when a finite value would become NaN or infinite (see NonFiniteCheck).
            bool badScalar = false;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<int> bad = Vector<int>.Zero;
                Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(values);
                ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                for (int v = 0; v < p.Length; v++)
                {
                    Vector<float> gradient = (weightDecay == 0f ? g[v] : g[v] + (p[v] * weightDecay));
                    Vector<float> value = p[v] + (gradient * negativeRate);
                    bad |= NonFiniteCheck.Newly(p[v], value);
                    if (commit)
                    {
                        p[v] = value;
                    }
                }

                badScalar = !Vector.EqualsAll(bad, Vector<int>.Zero);
                i = p.Length * Vector<float>.Count;
            }

            for (; i < values.Length; i++)
            {
                float gradient = (weightDecay == 0f ? gradients[i] : gradients[i] + (values[i] * weightDecay));
                float value = values[i] + (gradient * negativeRate);
                badScalar |= NonFiniteCheck.Newly(values[i], value);
                if (commit)
                {
                    values[i] = value;
                }
            }

            return !badScalar;
        }

        /// <summary>One parameter's update with momentum; writes only when <paramref name="commit"/>; returns whether every new value is finite.</summary>
        private static bool UpdateMomentum(Span<float> values, ReadOnlySpan<float> gradients, Span<float> buffer, float negativeRate, float weightDecay, float momentum, bool nesterov, bool first, bool commit)
        {
            int i = 0;
            bool badScalar = false;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<int> bad = Vector<int>.Zero;
                Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(values);
                ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                Span<Vector<float>> b = MemoryMarshal.Cast<float, Vector<float>>(buffer);
                for (int v = 0; v < p.Length; v++)
                {
                    Vector<float> gradient = (weightDecay == 0f ? g[v] : g[v] + (p[v] * weightDecay));
                    Vector<float> velocity = first ? gradient : (b[v] * momentum) + gradient;
                    Vector<float> direction = nesterov ? gradient + (velocity * momentum) : velocity;
                    Vector<float> value = p[v] + (direction * negativeRate);
                    bad |= NonFiniteCheck.Newly(p[v], value) | NonFiniteCheck.Newly(b[v], velocity);
                    if (commit)
                    {
                        b[v] = velocity;
                        p[v] = value;
                    }
                }

                badScalar = !Vector.EqualsAll(bad, Vector<int>.Zero);
                i = p.Length * Vector<float>.Count;
            }

            for (; i < values.Length; i++)
            {
                float gradient = (weightDecay == 0f ? gradients[i] : gradients[i] + (values[i] * weightDecay));
                float velocity = first ? gradient : (buffer[i] * momentum) + gradient;
                float direction = nesterov ? gradient + (velocity * momentum) : velocity;
                float value = values[i] + (direction * negativeRate);
                badScalar |= NonFiniteCheck.Newly(values[i], value) | NonFiniteCheck.Newly(buffer[i], velocity);
                if (commit)
                {
                    buffer[i] = velocity;
                    values[i] = value;
                }
            }

            return !badScalar;
        }
    }
}
