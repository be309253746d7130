using System;
using System.Globalization;

namespace RnnGen.Optimizers
{
    /// <summary>Validation and conversion of optimizer hyper-parameters.</summary>
    internal static class HyperParameters
    {
        /// <summary>
        /// Converts a float to the double nearest to its shortest decimal representation, so that
        /// <c>0.999f</c> becomes the double <c>0.999</c> (what a Python literal gives PyTorch) rather than
        /// <c>0.99900001287460327</c>. Quantities such as <c>1 - beta2</c> are then computed as PyTorch
        /// computes them. Does not allocate.
        /// </summary>
        /// <param name="value">A finite value.</param>
        /// <returns>The double with the same shortest decimal representation.</returns>
        public static double ToDecimalDouble(float value)
        {
            Span<char> text = stackalloc char[32];
            if (value.TryFormat(text, out int written, "R", CultureInfo.InvariantCulture)
                && double.TryParse(text.Slice(0, written), NumberStyles.Float, CultureInfo.InvariantCulture, out double result))
            {
                return result;
            }

            return value;
        }

        /// <summary>Describes fixed hyper-parameters as invariant text, for example <c>beta1=0.9 beta2=0.999</c>.</summary>
        /// <param name="values">Names and values.</param>
        /// <returns>The description.</returns>
        public static string Describe(params (string Name, object Value)[] values)
        {
            var parts = new string[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                string text = values[i].Value switch
                {
                    float f => f.ToString("R", CultureInfo.InvariantCulture),
                    bool b => b ? "true" : "false",
                    _ => Convert.ToString(values[i].Value, CultureInfo.InvariantCulture) ?? string.Empty,
                };
                parts[i] = values[i].Name + "=" + text;
            }

            return string.Join(" ", parts);
        }

        /// <summary>Throws unless <paramref name="value"/> is finite and not negative.</summary>
        /// <param name="value">The value to check.</param>
        /// <param name="name">The parameter name to report.</param>
        /// <param name="description">What the value is, for the message.</param>
        public static void RequireNonNegative(float value, string name, string description)
        {
            if (!(value >= 0f) || !float.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(name, value, $"The {description} must be finite and not negative.");
            }
        }

        /// <summary>Throws unless <paramref name="value"/> is in [0, 1).</summary>
        /// <param name="value">The value to check.</param>
        /// <param name="name">The parameter name to report.</param>
        /// <param name="description">What the value is, for the message.</param>
        public static void RequireUnitInterval(float value, string name, string description)
        {
            if (!(value >= 0f && value < 1f))
            {
                throw new ArgumentOutOfRangeException(name, value, $"The {description} must be in [0, 1).");
            }
        }
    }
}
