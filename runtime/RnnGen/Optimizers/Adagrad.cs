using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnGen.Optimizers
{
    /// <summary>
    /// The Adagrad optimizer with optional L2 weight decay, with the semantics of
    /// <c>torch.optim.Adagrad</c> (<c>lr_decay=0</c>).
    /// </summary>
    /// <remarks>
    /// For each parameter <c>p</c> with gradient <c>g</c> and accumulator <c>s</c> (initially
    /// <c>initialAccumulatorValue</c>):
    /// <code>
    /// g = g + weightDecay * p                       (when weightDecay != 0)
    /// s = s + g * g
    /// p = p - learningRate * g / (sqrt(s) + epsilon)
    /// </code>
    /// </remarks>
    public sealed class Adagrad : Optimizer
    {
        private readonly float _epsilon;
        private readonly float _initialAccumulatorValue;
        private readonly float _weightDecay;
        private AlignedBuffer? _accumulator;

        /// <summary>Creates the optimizer.</summary>
        /// <param name="parameters">The parameters to optimise.</param>
        /// <param name="learningRate">The learning rate (<c>lr</c>). Must be finite and not negative.</param>
        /// <param name="epsilon">The term added to the denominator (<c>eps</c>). Must be finite and not negative.</param>
        /// <param name="initialAccumulatorValue">The initial value of every accumulator
        /// (<c>initial_accumulator_value</c>). Must be finite and not negative.</param>
        /// <param name="weightDecay">The L2 penalty (<c>weight_decay</c>). Must be finite and not negative.</param>
        /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The parameter list is invalid (see <see cref="Optimizer"/>).</exception>
        /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
        public Adagrad(IReadOnlyList<Parameter> parameters, float learningRate = 1e-2f, float epsilon = 1e-10f, float initialAccumulatorValue = 0f, float weightDecay = 0f)
            : base(parameters, learningRate)
        {
            HyperParameters.RequireNonNegative(epsilon, nameof(epsilon), "epsilon");
            HyperParameters.RequireNonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue), "initial accumulator value");
            HyperParameters.RequireNonNegative(weightDecay, nameof(weightDecay), "weight decay");
            _epsilon = epsilon;
            _initialAccumulatorValue = initialAccumulatorValue;
            _weightDecay = weightDecay;
            _accumulator = new AlignedBuffer(TotalLength);
            _accumulator.AsSpan().Fill(initialAccumulatorValue);
        }

        /// <summary>Gets the term added to the denominator.</summary>
        public float Epsilon => _epsilon;

        /// <summary>Gets the initial value of the accumulators.</summary>
        public float InitialAccumulatorValue => _initialAccumulatorValue;

        /// <summary>Gets the L2 weight decay.</summary>
        public float WeightDecay => _weightDecay;

        /// <inheritdoc/>
        internal override string Kind => "Adagrad";

        /// <inheritdoc/>
        internal override string Settings => HyperParameters.Describe(("initial_accumulator_value", _initialAccumulatorValue), ("eps", _epsilon), ("weight_decay", _weightDecay));

        /// <inheritdoc/>
        internal override IReadOnlyList<(string Name, AlignedBuffer Buffer)> StateBuffers => [("sum", _accumulator!)];

        /// <inheritdoc/>
        private protected override bool Update(int step, bool commit)
        {
            AlignedBuffer accumulator = _accumulator!;
            float negativeRate = -LearningRate;
            Parameter[] parameters = ParameterArray;
            int[] offsets = StateOffsets;
            bool finite = true;
            for (int k = 0; k < parameters.Length; k++)
            {
                Parameter parameter = parameters[k];
                finite &= Update(parameter.Value, parameter.Gradient, accumulator.AsSpan(offsets[k], parameter.Length), negativeRate, _weightDecay, _epsilon, commit);
            }

            return finite;
        }

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _accumulator?.Dispose();
                _accumulator = null;
            }

            base.Dispose(disposing);
        }

        /// <summary>One parameter's update; writes only when <paramref name="commit"/>; returns whether every new value is finite.</summary>
        private static bool Update(Span<float> values, ReadOnlySpan<float> gradients, Span<float> accumulator, float negativeRate, float weightDecay, float epsilon, bool commit)
        {
            int i = 0;

            // Refused when a finite value would become NaN or infinite (see NonFiniteCheck).
            bool badScalar = false;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<int> bad = Vector<int>.Zero;
                Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(values);
                ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                Span<Vector<float>> s = MemoryMarshal.Cast<float, Vector<float>>(accumulator);
                for (int v = 0; v < p.Length; v++)
                {
                    Vector<float> gradient = (weightDecay == 0f ? g[v] : g[v] + (p[v] * weightDecay));
                    Vector<float> sum = s[v] + (gradient * gradient);
                    Vector<float> value = p[v] + ((gradient * negativeRate) / (Vector.SquareRoot(sum) + new Vector<float>(epsilon)));
                    bad |= NonFiniteCheck.Newly(p[v], value) | NonFiniteCheck.Newly(s[v], sum);
                    if (commit)
                    {
                        s[v] = sum;
                        p[v] = value;
                    }
                }

                badScalar = !Vector.EqualsAll(bad, Vector<int>.Zero);
                i = p.Length * Vector<float>.Count;
            }

            for (; i < values.Length; i++)
            {
                float gradient = (weightDecay == 0f ? gradients[i] : gradients[i] + (values[i] * weightDecay));
                float sum = accumulator[i] + (gradient * gradient);
                float value = values[i] + ((gradient * negativeRate) / (MathF.Sqrt(sum) + epsilon));
                badScalar |= NonFiniteCheck.Newly(values[i], value) | NonFiniteCheck.Newly(accumulator[i], sum);
                if (commit)
                {
                    accumulator[i] = sum;
                    values[i] = value;
                }
            }

            return !badScalar;
        }
    }
}
