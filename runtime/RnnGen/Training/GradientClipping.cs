using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnGen
{
    /// <summary>
    /// Gradient clipping, applied between the backward pass and the optimizer step to keep
    /// exploding gradients of recurrent networks in check. Neither method allocates.
    /// </summary>
    public static class GradientClipping
    {
        /// <summary>
        /// Rescales all gradients together so that their combined L2 norm does not exceed
        /// <paramref name="maxNorm"/>, with the semantics of <c>torch.nn.utils.clip_grad_norm_</c>.
        /// </summary>
        /// <remarks>
        /// The total norm <c>sqrt(Σ g²)</c> over every element of every gradient is accumulated in
        /// double precision. With <c>coefficient = maxNorm / (norm + 1e-6)</c>, every gradient is
        /// multiplied by the coefficient when it is less than 1 (that is, when the norm exceeds
        /// <paramref name="maxNorm"/>), and left unchanged otherwise. When the norm is not finite
        /// (a gradient holds an infinity or NaN), the gradients are left unchanged and the non-finite
        /// norm is returned so the caller can skip the step.
        /// </remarks>
        /// <param name="parameters">The parameters whose gradients are clipped.</param>
        /// <param name="maxNorm">The largest allowed total norm. Must be positive and finite.</param>
        /// <returns>The total norm of the gradients before clipping.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="parameters"/> contains <see langword="null"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not positive and finite.</exception>
        public static float ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm) =>
            ClipByGlobalNorm(parameters, maxNorm, errorIfNonFinite: false);

        /// <summary>
        /// Rescales all gradients together so that their combined L2 norm does not exceed
        /// <paramref name="maxNorm"/>, and optionally refuses a non-finite norm, like
        /// <c>torch.nn.utils.clip_grad_norm_(..., error_if_nonfinite=True)</c>.
        /// </summary>
        /// <remarks>
        /// As <see cref="ClipByGlobalNorm(IReadOnlyList{Parameter}, float)"/>. A non-finite norm
        /// leaves the gradients unchanged in both modes; with <paramref name="errorIfNonFinite"/> it
        /// is also reported as a <see cref="NonFiniteException"/> naming the first parameter whose
        /// gradient holds a NaN or an infinity. (The optimizers refuse such a step on their own; see
        /// <see cref="Optimizers.Optimizer.Step"/>.)
        /// </remarks>
        /// <param name="parameters">The parameters whose gradients are clipped.</param>
        /// <param name="maxNorm">The largest allowed total norm. Must be positive and finite.</param>
        /// <param name="errorIfNonFinite">Whether a NaN or infinite norm throws.</param>
        /// <returns>The total norm of the gradients before clipping.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="parameters"/> contains <see langword="null"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not positive and finite.</exception>
        /// <exception cref="NonFiniteException"><paramref name="errorIfNonFinite"/> is set and the norm is NaN or infinite.</exception>
        public static float ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm, bool errorIfNonFinite)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            if (!(maxNorm > 0f) || !float.IsFinite(maxNorm))
            {
                throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The maximum norm must be positive and finite.");
            }

            double sumOfSquares = 0.0;
            int count = parameters.Count;
            for (int k = 0; k < count; k++)
            {
                sumOfSquares += SumOfSquares(GetParameter(parameters, k).Gradient);
            }

            double norm = Math.Sqrt(sumOfSquares);
            if (errorIfNonFinite && !double.IsFinite(norm))
            {
                for (int k = 0; k < count; k++)
                {
                    int index = Numerics.Finite.IndexOfNonFinite(parameters[k].Gradient);
                    if (index >= 0)
                    {
                        throw new NonFiniteException(
                            $"The total norm of the gradients is {norm.ToString(System.Globalization.CultureInfo.InvariantCulture)}: the gradient of '{parameters[k].Name}' is {parameters[k].Gradient[index].ToString(System.Globalization.CultureInfo.InvariantCulture)} at element {index}. The gradients are unchanged.",
                            parameters[k].Name,
                            index);
                    }
                }

                // Finite gradients whose squares overflow a double cannot occur (float² < 2^256), but say so if they do.
                throw new NonFiniteException($"The total norm of the gradients is {norm.ToString(System.Globalization.CultureInfo.InvariantCulture)}. The gradients are unchanged.");
            }

            double coefficient = maxNorm / (norm + 1e-6);
            if (double.IsFinite(norm) && coefficient < 1.0)
            {
                float factor = (float)coefficient;
                for (int k = 0; k < count; k++)
                {
                    Scale(parameters[k].Gradient, factor);
                }
            }

            return (float)norm;
        }

        /// <summary>
        /// Clamps every gradient element to [-<paramref name="limit"/>, <paramref name="limit"/>],
        /// like <c>torch.nn.utils.clip_grad_value_</c>. NaN elements stay NaN.
        /// </summary>
        /// <param name="parameters">The parameters whose gradients are clipped.</param>
        /// <param name="limit">The largest allowed magnitude. Must be finite and not negative.</param>
        /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="parameters"/> contains <see langword="null"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is negative or not finite.</exception>
        public static void ClipByValue(IReadOnlyList<Parameter> parameters, float limit)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            if (!(limit >= 0f) || !float.IsFinite(limit))
            {
                throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must be finite and not negative.");
            }

            int count = parameters.Count;
            for (int k = 0; k < count; k++)
            {
                GetParameter(parameters, k);
            }

            for (int k = 0; k < count; k++)
            {
                Clamp(parameters[k].Gradient, limit);
            }
        }

        private static Parameter GetParameter(IReadOnlyList<Parameter> parameters, int index)
        {
            Parameter? parameter = parameters[index];
            if (parameter is null)
            {
                throw new ArgumentException($"Parameter {index} is null.", nameof(parameters));
            }

            return parameter;
        }

        private static double SumOfSquares(ReadOnlySpan<float> values)
        {
            double sum = 0.0;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                Vector<double> accumulator = Vector<double>.Zero;
                for (int v = 0; v < vectors.Length; v++)
                {
                    Vector.Widen(vectors[v], out Vector<double> low, out Vector<double> high);
                    accumulator += (low * low) + (high * high);
                }

                sum = Vector.Sum(accumulator);
                i = vectors.Length * Vector<float>.Count;
            }

            for (; i < values.Length; i++)
            {
                double value = values[i];
                sum += value * value;
            }

            return sum;
        }

        private static void Scale(Span<float> values, float factor)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                for (int v = 0; v < vectors.Length; v++)
                {
                    vectors[v] *= factor;
                }

                i = vectors.Length * Vector<float>.Count;
            }

            for (; i < values.Length; i++)
            {
                values[i] *= factor;
            }
        }

        private static void Clamp(Span<float> values, float limit)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                var upper = new Vector<float>(limit);
                var lower = new Vector<float>(-limit);
                for (int v = 0; v < vectors.Length; v++)
                {
                    Vector<float> value = vectors[v];
                    value = Vector.ConditionalSelect(Vector.GreaterThan(value, upper), upper, value);
                    vectors[v] = Vector.ConditionalSelect(Vector.LessThan(value, lower), lower, value);
                }

                i = vectors.Length * Vector<float>.Count;
            }

            for (; i < values.Length; i++)
            {
                float value = values[i];
                value = value > limit ? limit : value;
                values[i] = value < -limit ? -limit : value;
            }
        }
    }
}
