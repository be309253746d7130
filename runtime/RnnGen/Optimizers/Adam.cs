using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Optimizers
{
    /// <summary>
    /// The Adam optimizer with optional L2 weight decay, with the semantics of
    /// <c>torch.optim.Adam</c> (<c>amsgrad=False</c>).
    /// </summary>
    /// <remarks>
    /// For each parameter <c>p</c> with gradient <c>g</c>, at step <c>t</c> (1-based), with the
    /// bias corrections <c>bc1 = 1 - beta1^t</c> and <c>bc2 = 1 - beta2^t</c> computed in double
    /// precision:
    /// <code>
    /// g = g + weightDecay * p                       (when weightDecay != 0; L2, not decoupled)
    /// m = lerp(m, g, 1 - beta1)
    /// v = beta2 * v + (1 - beta2) * g * g
    /// p = p - (learningRate / bc1) * m / (sqrt(v) / sqrt(bc2) + epsilon)
    /// </code>
    /// in the same order of operations as PyTorch's single-tensor implementation.
    /// </remarks>
    public sealed class Adam : Optimizer
    {
        private readonly float _beta1;
        private readonly float _beta2;
        private readonly double _beta1Decimal;
        private readonly double _beta2Decimal;
        private readonly float _epsilon;
        private readonly float _weightDecay;
        private AlignedBuffer? _firstMoment;
        private AlignedBuffer? _secondMoment;

        /// <summary>Creates the optimizer.</summary>
        /// <param name="parameters">The parameters to optimise.</param>
        /// <param name="learningRate">The learning rate (<c>lr</c>). Must be finite and not negative.</param>
        /// <param name="beta1">The decay rate of the first-moment estimate. Must be in [0, 1).</param>
        /// <param name="beta2">The decay rate of the second-moment estimate. Must be in [0, 1).</param>
        /// <param name="epsilon">The term added to the denominator (<c>eps</c>). Must be finite and not negative.</param>
        /// <param name="weightDecay">The L2 penalty (<c>weight_decay</c>). Must be finite and not negative.</param>
        /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The parameter list is invalid (see <see cref="Optimizer"/>).</exception>
        /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
        public Adam(IReadOnlyList<Parameter> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
            : base(parameters, learningRate)
        {
            HyperParameters.RequireUnitInterval(beta1, nameof(beta1), "first-moment decay rate");
            HyperParameters.RequireUnitInterval(beta2, nameof(beta2), "second-moment decay rate");
            HyperParameters.RequireNonNegative(epsilon, nameof(epsilon), "epsilon");
            HyperParameters.RequireNonNegative(weightDecay, nameof(weightDecay), "weight decay");
            _beta1 = beta1;
            _beta2 = beta2;
            _beta1Decimal = HyperParameters.ToDecimalDouble(beta1);
            _beta2Decimal = HyperParameters.ToDecimalDouble(beta2);
            _epsilon = epsilon;
            _weightDecay = weightDecay;
            _firstMoment = new AlignedBuffer(TotalLength);
            _secondMoment = new AlignedBuffer(TotalLength);
        }

        /// <summary>Gets the decay rate of the first-moment estimate.</summary>
        public float Beta1 => _beta1;

        /// <summary>Gets the decay rate of the second-moment estimate.</summary>
        public float Beta2 => _beta2;

        /// <summary>Gets the term added to the denominator.</summary>
        public float Epsilon => _epsilon;

        /// <summary>Gets the L2 weight decay.</summary>
        public float WeightDecay => _weightDecay;

        /// <inheritdoc/>
        internal override string Kind => "Adam";

        /// <inheritdoc/>
        internal override string Settings => HyperParameters.Describe(("beta1", _beta1), ("beta2", _beta2), ("eps", _epsilon), ("weight_decay", _weightDecay));

        /// <inheritdoc/>
        internal override IReadOnlyList<(string Name, AlignedBuffer Buffer)> StateBuffers => [("exp_avg", _firstMoment!), ("exp_avg_sq", _secondMoment!)];

        /// <inheritdoc/>
        private protected override bool Update(int step, bool commit)
        {
            AlignedBuffer firstMoment = _firstMoment!;
            AlignedBuffer secondMoment = _secondMoment!;
            double biasCorrection1 = 1.0 - Math.Pow(_beta1Decimal, step);
            double biasCorrection2 = 1.0 - Math.Pow(_beta2Decimal, step);
            var constants = new Constants(
                weightDecay: _weightDecay,
                averagingWeight: (float)(1.0 - _beta1Decimal),
                beta2: _beta2,
                oneMinusBeta2: (float)(1.0 - _beta2Decimal),
                biasCorrection2Sqrt: (float)Math.Sqrt(biasCorrection2),
                epsilon: _epsilon,
                negativeStepSize: (float)(-(LearningRateAsDecimal / biasCorrection1)));

            Parameter[] parameters = ParameterArray;
            int[] offsets = StateOffsets;
            bool finite = true;
            for (int k = 0; k < parameters.Length; k++)
            {
                Parameter parameter = parameters[k];
                finite &= Update(
                    parameter.Value,
                    parameter.Gradient,
                    firstMoment.AsSpan(offsets[k], parameter.Length),
                    secondMoment.AsSpan(offsets[k], parameter.Length),
                    in constants,
                    commit);
            }

            return finite;
        }

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _firstMoment?.Dispose();
                _secondMoment?.Dispose();
                _firstMoment = null;
                _secondMoment = null;
            }

            base.Dispose(disposing);
        }

        /// <summary>One parameter's update; writes only when <paramref name="commit"/>; returns whether every new value is finite.</summary>
        private static bool Update(Span<float> values, ReadOnlySpan<float> gradients, Span<float> firstMoment, Span<float> secondMoment, in Constants c, bool commit)
        {
            if (!commit)
            {
                return Check(values, gradients, firstMoment, secondMoment, in c);
            }

            Apply(values, gradients, firstMoment, secondMoment, in c);
            return true;
        }

        /// <summary>
        /// Whether the update would turn a finite value of the parameter or either moment into NaN or
        /// ±∞ (see <see cref="NonFiniteCheck"/>). Writes nothing.
        /// </summary>
        /// <remarks>
        /// Most lanes are settled without the square root and the divisions, which are most of the cost
        /// of the update: when the old values, the new moments and m̂·lr/(1 − β₁ᵗ) are finite, that
        /// numerator is at most ε·10³⁷ in size and the parameter at most 10³⁸, the new parameter is
        /// finite, because the denominator √ŝ/√(1 − β₂ᵗ) + ε is at least ε (rounding is monotonic): the
        /// quotient is at most about 10³⁷ and the sum at most about 1.1·10³⁸ &lt; 3.4·10³⁸. Any other
        /// lane (ε = 0, a huge step or parameter, a value that is not finite) computes the update as
        /// <see cref="Apply"/> does and checks each value.
        /// </remarks>
        private static bool Check(ReadOnlySpan<float> values, ReadOnlySpan<float> gradients, ReadOnlySpan<float> firstMoment, ReadOnlySpan<float> secondMoment, in Constants c)
        {
            Constants k = c;
            float stepLimit = k.Epsilon * 1e37f;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<int> bad = Vector<int>.Zero;
                ReadOnlySpan<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(values);
                ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                ReadOnlySpan<Vector<float>> m = MemoryMarshal.Cast<float, Vector<float>>(firstMoment);
                ReadOnlySpan<Vector<float>> s = MemoryMarshal.Cast<float, Vector<float>>(secondMoment);
                Vector<float> zero = Vector<float>.Zero;
                for (int v = 0; v < p.Length; v++)
                {
                    Vector<float> mean = m[v], square = s[v];
                    Moments(p[v], g[v], ref mean, ref square, in k);
                    Vector<float> numerator = mean * k.NegativeStepSize;
                    Vector<int> safe = Vector.Equals((p[v] * zero) + (m[v] * zero) + (s[v] * zero) + (square * zero) + (numerator * zero), zero)
                        & Vector.LessThanOrEqual(Vector.Abs(numerator), new Vector<float>(stepLimit))
                        & Vector.LessThanOrEqual(Vector.Abs(p[v]), new Vector<float>(1e38f));
                    if (!Vector.EqualsAll(safe, new Vector<int>(-1)))
                    {
                        Vector<float> value = p[v];
                        mean = m[v];
                        square = s[v];
                        Formula(ref value, g[v], ref mean, ref square, in k);
                        bad |= NonFiniteCheck.Newly(p[v], value) | NonFiniteCheck.Newly(m[v], mean) | NonFiniteCheck.Newly(s[v], square);
                    }
                }

                if (!Vector.EqualsAll(bad, Vector<int>.Zero))
                {
                    return false;
                }

                i = p.Length * Vector<float>.Count;
            }

            for (; i < values.Length; i++)
            {
                float mean = firstMoment[i], square = secondMoment[i], value = values[i];
                Formula(ref value, gradients[i], ref mean, ref square, in k);
                if (NonFiniteCheck.Newly(values[i], value) || NonFiniteCheck.Newly(firstMoment[i], mean) || NonFiniteCheck.Newly(secondMoment[i], square))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Writes the update: the same formula, so the same bits, as <see cref="Check"/> tested.</summary>
        private static void Apply(Span<float> values, ReadOnlySpan<float> gradients, Span<float> firstMoment, Span<float> secondMoment, in Constants c)
        {
            Constants k = c;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(values);
                ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                Span<Vector<float>> m = MemoryMarshal.Cast<float, Vector<float>>(firstMoment);
                Span<Vector<float>> s = MemoryMarshal.Cast<float, Vector<float>>(secondMoment);
                for (int v = 0; v < p.Length; v++)
                {
                    Formula(ref p[v], g[v], ref m[v], ref s[v], in k);
                }

                i = p.Length * Vector<float>.Count;
            }

            for (; i < values.Length; i++)
            {
                Formula(ref values[i], gradients[i], ref firstMoment[i], ref secondMoment[i], in k);
            }
        }

        /// <summary>
        /// One Adam update of a vector of elements, in place:
        /// g ← g + λ·p; m ← lerp(m, g, 1 − β₁); s ← β₂·s + (1 − β₂)·g²; p ← p − lr/(1 − β₁ᵗ) · m / (√s / √(1 − β₂ᵗ) + ε).
        /// torch.lerp(start, end, w) = start + w·(end − start) for w &lt; 0.5, else end − (end − start)·(1 − w).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Formula(ref Vector<float> value, Vector<float> gradient, ref Vector<float> mean, ref Vector<float> square, in Constants c)
        {
            Moments(value, gradient, ref mean, ref square, in c);
            Vector<float> denominator = (Vector.SquareRoot(square) / new Vector<float>(c.BiasCorrection2Sqrt)) + new Vector<float>(c.Epsilon);
            value += (mean * c.NegativeStepSize) / denominator;
        }

        /// <summary>The moments' part of <see cref="Formula(ref Vector{float}, Vector{float}, ref Vector{float}, ref Vector{float}, in Constants)"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Moments(Vector<float> value, Vector<float> gradient, ref Vector<float> mean, ref Vector<float> square, in Constants c)
        {
            if (c.WeightDecay != 0f)
            {
                gradient += value * c.WeightDecay;
            }

            mean = c.LerpFromStart ? mean + ((gradient - mean) * c.LerpWeight) : gradient - ((gradient - mean) * c.LerpWeight);
            square = (square * c.Beta2) + ((gradient * c.OneMinusBeta2) * gradient);
        }

        /// <inheritdoc cref="Formula(ref Vector{float}, Vector{float}, ref Vector{float}, ref Vector{float}, in Constants)"/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Formula(ref float value, float gradient, ref float mean, ref float square, in Constants c)
        {
            if (c.WeightDecay != 0f)
            {
                gradient += value * c.WeightDecay;
            }

            mean = c.LerpFromStart ? mean + ((gradient - mean) * c.LerpWeight) : gradient - ((gradient - mean) * c.LerpWeight);
            square = (square * c.Beta2) + ((gradient * c.OneMinusBeta2) * gradient);
            float denominator = (MathF.Sqrt(square) / c.BiasCorrection2Sqrt) + c.Epsilon;
            value += (mean * c.NegativeStepSize) / denominator;
        }

        private readonly struct Constants
        {
            public Constants(float weightDecay, float averagingWeight, float beta2, float oneMinusBeta2, float biasCorrection2Sqrt, float epsilon, float negativeStepSize)
            {
                WeightDecay = weightDecay;
                AveragingWeight = averagingWeight;
                Beta2 = beta2;
                OneMinusBeta2 = oneMinusBeta2;
                BiasCorrection2Sqrt = biasCorrection2Sqrt;
                Epsilon = epsilon;
                NegativeStepSize = negativeStepSize;
                LerpFromStart = averagingWeight < 0.5f;
                LerpWeight = LerpFromStart ? averagingWeight : 1f - averagingWeight;
            }

            public float WeightDecay { get; }

            public float AveragingWeight { get; }

            public float Beta2 { get; }

            public float OneMinusBeta2 { get; }

            public float BiasCorrection2Sqrt { get; }

            public float Epsilon { get; }

            public float NegativeStepSize { get; }

            public bool LerpFromStart { get; }

            public float LerpWeight { get; }
        }
    }
}
