using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnGen.Numerics
{
    /// <summary>
    /// Finds NaN and infinite values in float data: the scan behind the checks that keep a model's
    /// inputs, losses, gradients, weights and optimizer state finite. Does not allocate.
    /// </summary>
    public static class Finite
    {
        /// <summary>Returns the index of the first NaN or infinite element, or -1 when every element is finite.</summary>
        /// <remarks>
        /// <c>x * 0</c> is ±0 for every finite <c>x</c> and NaN for NaN and ±∞, so the scan adds up
        /// <c>x * 0</c> a vector at a time (one multiply and one add per vector) and only looks for the
        /// element when a vector's sum is not zero.
        /// </remarks>
        /// <param name="values">The values to check.</param>
        /// <returns>The index of the first non-finite value, or -1.</returns>
        public static int IndexOfNonFinite(ReadOnlySpan<float> values)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
            {
                ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                const int Block = 64;
                for (int start = 0; start < vectors.Length; start += Block)
                {
                    int end = Math.Min(start + Block, vectors.Length);
                    Vector<float> sum = Vector<float>.Zero;
                    for (int v = start; v < end; v++)
                    {
                        sum += vectors[v] * Vector<float>.Zero;
                    }

                    if (!Vector.EqualsAll(sum, Vector<float>.Zero))
                    {
                        return ScalarIndex(values, start * Vector<float>.Count, end * Vector<float>.Count);
                    }
                }

                i = vectors.Length * Vector<float>.Count;
            }

            return ScalarIndex(values, i, values.Length);
        }

        /// <summary>Returns whether every element is finite (neither NaN nor infinite).</summary>
        /// <param name="values">The values to check.</param>
        /// <returns><see langword="true"/> when no element is NaN or infinite.</returns>
        public static bool All(ReadOnlySpan<float> values) => IndexOfNonFinite(values) < 0;

        /// <summary>
        /// Throws a <see cref="NonFiniteException"/> when a training step's loss is NaN or infinite.
        /// Generated <c>TrainStep</c> methods call it before the backward pass, so the gradients are
        /// unchanged when it throws.
        /// </summary>
        /// <param name="loss">The mean loss of the step.</param>
        /// <exception cref="NonFiniteException"><paramref name="loss"/> is NaN or infinite, or beyond float's range.</exception>
        public static void RequireFiniteLoss(double loss)
        {
            // The loss is accumulated in double; one that overflows float is as unusable as an infinite one.
            if (!double.IsFinite(loss) || !float.IsFinite((float)loss))
            {
                throw new NonFiniteException(
                    $"The loss is {loss.ToString(CultureInfo.InvariantCulture)}{(double.IsFinite(loss) ? ", beyond float's range" : "")}: training has diverged (a learning rate too high, or gradients not clipped), or an output overflowed. The parameters and gradients are unchanged.");
            }
        }

        /// <summary>
        /// Throws a <see cref="NonFiniteException"/> naming the first parameter whose gradient holds a
        /// NaN or an infinity. Generated <c>TrainStep</c> methods call it after the backward pass.
        /// </summary>
        /// <param name="parameters">The parameters whose gradients are checked.</param>
        /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is <see langword="null"/>.</exception>
        /// <exception cref="NonFiniteException">A gradient holds a NaN or an infinity.</exception>
        public static void RequireFiniteGradients(IReadOnlyList<Parameter> parameters)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            for (int k = 0; k < parameters.Count; k++)
            {
                ReadOnlySpan<float> gradient = parameters[k].Gradient;
                int index = IndexOfNonFinite(gradient);
                if (index >= 0)
                {
                    throw new NonFiniteException(
                        $"The gradient of '{parameters[k].Name}' is {gradient[index].ToString(CultureInfo.InvariantCulture)} at element {index}, although the loss is finite: the backward pass overflowed. The parameters are unchanged; zero the gradients before the next step.",
                        parameters[k].Name,
                        index);
                }
            }
        }

        private static int ScalarIndex(ReadOnlySpan<float> values, int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                if (!float.IsFinite(values[i]))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
