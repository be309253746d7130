using System;
using System.Globalization;

namespace RnnGen.Cells
{
    /// <summary>
    /// A vector of unit values in a recurrent cell's <c>Step</c> method: the input x_t, a state, or a
    /// value computed from them.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A cell's <c>Step</c> is read twice. The generator reads its body as equations and emits fused
    /// SIMD kernels and their derivatives for the model's sizes; this class lets the same method also
    /// run as written, one element at a time, so a cell is its own reference (tests compare the
    /// generated forward pass with it). That plain evaluation allocates a new <see cref="Units"/> per
    /// operation: it is for checking, not for speed.
    /// </para>
    /// <para>
    /// Operators act element-wise: <c>+</c>, <c>-</c> and <c>*</c> between two <see cref="Units"/> of
    /// the same width or with a number on either side, <c>/</c> by a number (as multiplication by its
    /// reciprocal, as the generated code does) and unary minus.
    /// </para>
    /// </remarks>
    public sealed class Units
    {
        private readonly float[] _values;

        /// <summary>Initializes a new vector of <paramref name="width"/> zeros.</summary>
        /// <param name="width">The number of units. Must be positive.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is not positive.</exception>
        public Units(int width)
        {
            if (width <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be positive.");
            }

            _values = new float[width];
        }

        /// <summary>Initializes a new vector holding a copy of <paramref name="values"/>.</summary>
        /// <param name="values">The unit values. Must not be empty.</param>
        /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
        public Units(ReadOnlySpan<float> values)
        {
            if (values.IsEmpty)
            {
                throw new ArgumentException("A vector of units needs at least one value.", nameof(values));
            }

            _values = values.ToArray();
        }

        /// <summary>Gets the number of units.</summary>
        public int Width => _values.Length;

        /// <summary>Gets the value of unit <paramref name="index"/>.</summary>
        /// <param name="index">The unit, in [0, <see cref="Width"/>).</param>
        /// <returns>The value.</returns>
        /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is outside the vector.</exception>
        public float this[int index] => _values[index];

        /// <summary>Gets the values as a read-only span.</summary>
        /// <returns>The unit values.</returns>
        public ReadOnlySpan<float> AsSpan() => _values;

        /// <summary>Copies the values into a new array.</summary>
        /// <returns>The unit values.</returns>
        public float[] ToArray() => (float[])_values.Clone();

        /// <summary>Adds two vectors element-wise.</summary>
        /// <param name="a">The first vector.</param>
        /// <param name="b">The second vector, as wide as <paramref name="a"/>.</param>
        /// <returns>a + b.</returns>
        /// <exception cref="ArgumentException">The widths differ.</exception>
        public static Units operator +(Units a, Units b) => Zip(a, b, static (x, y) => x + y);

        /// <summary>Adds a number to every unit.</summary>
        /// <param name="a">The vector.</param>
        /// <param name="b">The number.</param>
        /// <returns>a + b.</returns>
        public static Units operator +(Units a, float b) => Map(a, x => x + b);

        /// <summary>Adds a number to every unit.</summary>
        /// <param name="a">The number.</param>
        /// <param name="b">The vector.</param>
        /// <returns>a + b.</returns>
        public static Units operator +(float a, Units b) => Map(b, y => a + y);

        /// <summary>Subtracts two vectors element-wise.</summary>
        /// <param name="a">The first vector.</param>
        /// <param name="b">The second vector, as wide as <paramref name="a"/>.</param>
        /// <returns>a − b.</returns>
        /// <exception cref="ArgumentException">The widths differ.</exception>
        public static Units operator -(Units a, Units b) => Zip(a, b, static (x, y) => x - y);

        /// <summary>Subtracts a number from every unit.</summary>
        /// <param name="a">The vector.</param>
        /// <param name="b">The number.</param>
        /// <returns>a − b.</returns>
        public static Units operator -(Units a, float b) => Map(a, x => x - b);

        /// <summary>Subtracts every unit from a number.</summary>
        /// <param name="a">The number.</param>
        /// <param name="b">The vector.</param>
        /// <returns>a − b.</returns>
        public static Units operator -(float a, Units b) => Map(b, y => a - y);

        /// <summary>Multiplies two vectors element-wise (the Hadamard product ⊙).</summary>
        /// <param name="a">The first vector.</param>
        /// <param name="b">The second vector, as wide as <paramref name="a"/>.</param>
        /// <returns>a ⊙ b.</returns>
        /// <exception cref="ArgumentException">The widths differ.</exception>
        public static Units operator *(Units a, Units b) => Zip(a, b, static (x, y) => x * y);

        /// <summary>Multiplies every unit by a number.</summary>
        /// <param name="a">The vector.</param>
        /// <param name="b">The number.</param>
        /// <returns>a · b.</returns>
        public static Units operator *(Units a, float b) => Map(a, x => x * b);

        /// <summary>Multiplies every unit by a number.</summary>
        /// <param name="a">The number.</param>
        /// <param name="b">The vector.</param>
        /// <returns>a · b.</returns>
        public static Units operator *(float a, Units b) => Map(b, y => a * y);

        /// <summary>Divides every unit by a number, as multiplication by <c>1 / b</c>.</summary>
        /// <param name="a">The vector.</param>
        /// <param name="b">The number.</param>
        /// <returns>a · (1 / b).</returns>
        public static Units operator /(Units a, float b)
        {
            float reciprocal = 1f / b;
            return Map(a, x => x * reciprocal);
        }

        /// <summary>Negates every unit.</summary>
        /// <param name="a">The vector.</param>
        /// <returns>−a.</returns>
        public static Units operator -(Units a) => Map(a, static x => -x);

        /// <summary>Returns the vector itself.</summary>
        /// <param name="a">The vector.</param>
        /// <returns>a.</returns>
        public static Units operator +(Units a) => a;

        /// <summary>Applies <paramref name="f"/> to every unit.</summary>
        /// <param name="a">The vector.</param>
        /// <param name="f">The function.</param>
        /// <returns>A new vector.</returns>
        internal static Units Map(Units a, Func<float, float> f)
        {
            ArgumentNullException.ThrowIfNull(a);
            var result = new float[a.Width];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = f(a._values[i]);
            }

            return new Units(result, owned: true);
        }

        /// <summary>Returns the values, for display.</summary>
        /// <returns>The values in brackets.</returns>
        public override string ToString() =>
            "[" + string.Join(", ", Array.ConvertAll(_values, v => v.ToString("G6", CultureInfo.InvariantCulture))) + "]";

        // Takes ownership of an array (the public constructor copies).
        private Units(float[] values, bool owned)
        {
            _ = owned;
            _values = values;
        }

        private static Units Zip(Units a, Units b, Func<float, float, float> f)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(b);
            if (a.Width != b.Width)
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                    "Units of widths {0} and {1} cannot be combined element-wise.", a.Width, b.Width));
            }

            var result = new float[a.Width];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = f(a._values[i], b._values[i]);
            }

            return new Units(result, owned: true);
        }
    }
}
