using System;
using System.Numerics;

namespace RnnGen
{
    /// <summary>
    /// A fast, seedable pseudo-random number generator whose output depends only on the seed:
    /// the same seed produces the same sequence on every operating system, processor and .NET version.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The generator is xoshiro256** (Blackman and Vigna), with its 256-bit state filled from the
    /// 64-bit seed by SplitMix64. Floating-point results are derived from the 64-bit outputs with
    /// exactly rounded IEEE 754 operations only (no platform math library), which is what makes
    /// them reproducible. It is not cryptographically secure.
    /// </para>
    /// <para>No method allocates. Instances are not thread-safe.</para>
    /// </remarks>
    public sealed class RandomSource
    {
        private ulong _s0;
        private ulong _s1;
        private ulong _s2;
        private ulong _s3;
        private float _spareGaussian;
        private bool _hasSpareGaussian;

        /// <summary>Creates a generator from a 64-bit seed.</summary>
        /// <param name="seed">Any value, including 0.</param>
        public RandomSource(ulong seed)
        {
            ulong state = seed;
            _s0 = SplitMix64(ref state);
            _s1 = SplitMix64(ref state);
            _s2 = SplitMix64(ref state);
            _s3 = SplitMix64(ref state);
        }

        /// <summary>
        /// Gets or sets the generator's whole state as text (the four state words and the kept
        /// Gaussian, in hexadecimal), for checkpoints: a generator given another's state continues
        /// with exactly the same values.
        /// </summary>
        /// <exception cref="FormatException">The text is not a state written by this property.</exception>
        internal string StateText
        {
            get => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_s0:x16}:{_s1:x16}:{_s2:x16}:{_s3:x16}:{BitConverter.SingleToInt32Bits(_spareGaussian):x8}:{(_hasSpareGaussian ? 1 : 0)}");
            set
            {
                string[] parts = value.Split(':');
                if (parts.Length != 6 || parts[5] is not ("0" or "1"))
                {
                    throw new FormatException($"'{value}' is not a random generator state.");
                }

                const System.Globalization.NumberStyles Hex = System.Globalization.NumberStyles.AllowHexSpecifier;
                var c = System.Globalization.CultureInfo.InvariantCulture;
                ulong s0 = ulong.Parse(parts[0], Hex, c), s1 = ulong.Parse(parts[1], Hex, c), s2 = ulong.Parse(parts[2], Hex, c), s3 = ulong.Parse(parts[3], Hex, c);
                int spare = int.Parse(parts[4], Hex, c);
                if ((s0 | s1 | s2 | s3) == 0)
                {
                    throw new FormatException("An all-zero xoshiro256** state never changes; it cannot be a generator's state.");
                }

                (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
                _spareGaussian = BitConverter.Int32BitsToSingle(spare);
                _hasSpareGaussian = parts[5] == "1";
            }
        }

        /// <summary>Returns the next 64 uniformly distributed random bits.</summary>
        /// <returns>A value in [0, 2^64).</returns>
        public ulong NextUInt64()
        {
            ulong s0 = _s0;
            ulong s1 = _s1;
            ulong s2 = _s2;
            ulong s3 = _s3;

            ulong result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
            ulong t = s1 << 17;

            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = BitOperations.RotateLeft(s3, 45);

            _s0 = s0;
            _s1 = s1;
            _s2 = s2;
            _s3 = s3;
            return result;
        }

        /// <summary>
        /// Returns a uniformly distributed float in [0, 1): the 24 high bits of
        /// <see cref="NextUInt64"/> scaled by 2^-24, so every value is a multiple of 2^-24.
        /// </summary>
        /// <returns>A value in [0, 1).</returns>
        public float NextFloat()
        {
            return (NextUInt64() >> 40) * (1.0f / (1 << 24));
        }

        /// <summary>
        /// Returns a uniformly distributed double in [0, 1): the 53 high bits of
        /// <see cref="NextUInt64"/> scaled by 2^-53.
        /// </summary>
        /// <returns>A value in [0, 1).</returns>
        public double NextDouble()
        {
            return (NextUInt64() >> 11) * (1.0 / (1UL << 53));
        }

        /// <summary>
        /// Returns a uniformly distributed integer in [0, <paramref name="maxExclusive"/>), without
        /// modulo bias (Lemire's multiply-and-reject method).
        /// </summary>
        /// <param name="maxExclusive">The exclusive upper bound. Must be positive.</param>
        /// <returns>A value in [0, <paramref name="maxExclusive"/>).</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxExclusive"/> is not positive.</exception>
        public int NextInt(int maxExclusive)
        {
            if (maxExclusive <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "The upper bound must be positive.");
            }

            ulong range = (ulong)maxExclusive;
            ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
            if (low < range)
            {
                ulong threshold = (0UL - range) % range;
                while (low < threshold)
                {
                    high = Math.BigMul(NextUInt64(), range, out low);
                }
            }

            return (int)high;
        }

        /// <summary>
        /// Returns a uniformly distributed float in [<paramref name="min"/>, <paramref name="max"/>),
        /// or exactly <paramref name="min"/> when the bounds are equal.
        /// </summary>
        /// <param name="min">The inclusive lower bound. Must be finite.</param>
        /// <param name="max">The exclusive upper bound. Must be finite and not less than <paramref name="min"/>.</param>
        /// <returns>A value in [<paramref name="min"/>, <paramref name="max"/>).</returns>
        /// <exception cref="ArgumentOutOfRangeException">A bound is not finite, or
        /// <paramref name="max"/> is less than <paramref name="min"/>.</exception>
        public float NextUniform(float min, float max)
        {
            if (!float.IsFinite(min))
            {
                throw new ArgumentOutOfRangeException(nameof(min), min, "The lower bound must be finite.");
            }

            if (!float.IsFinite(max) || max < min)
            {
                throw new ArgumentOutOfRangeException(nameof(max), max, "The upper bound must be finite and not less than the lower bound.");
            }

            float u = NextFloat();
            if (min == max)
            {
                return min;
            }

            float value = (float)(min + (((double)max - min) * u));
            return value < max ? value : MathF.BitDecrement(max);
        }

        /// <summary>
        /// Returns a normally distributed float with mean 0 and standard deviation 1, by the
        /// Marsaglia polar method (which yields values in pairs; the second is kept for the next call).
        /// </summary>
        /// <returns>A sample of N(0, 1).</returns>
        public float NextGaussian()
        {
            if (_hasSpareGaussian)
            {
                _hasSpareGaussian = false;
                return _spareGaussian;
            }

            double u;
            double v;
            double s;
            do
            {
                u = (2.0 * NextDouble()) - 1.0;
                v = (2.0 * NextDouble()) - 1.0;
                s = (u * u) + (v * v);
            }
            while (s >= 1.0 || s == 0.0);

            double factor = Math.Sqrt(-2.0 * PortableLog(s) / s);
            _spareGaussian = (float)(v * factor);
            _hasSpareGaussian = true;
            return (float)(u * factor);
        }

        /// <summary>
        /// The natural logarithm of a positive, finite, normal double, computed with basic IEEE 754
        /// operations only so that it gives the same result everywhere (the platform math library
        /// behind <see cref="Math.Log(double)"/> may differ in the last bit between systems). It is
        /// the classic fdlibm algorithm and is accurate to about 1 ulp.
        /// </summary>
        /// <param name="x">A positive, finite, normal value.</param>
        /// <returns>ln(<paramref name="x"/>).</returns>
        internal static double PortableLog(double x)
        {
            const double Ln2Hi = 6.93147180369123816490e-01;
            const double Ln2Lo = 1.90821492927058770002e-10;
            const double Lg1 = 6.666666666666735130e-01;
            const double Lg2 = 3.999999999940941908e-01;
            const double Lg3 = 2.857142874366239149e-01;
            const double Lg4 = 2.222219843214978396e-01;
            const double Lg5 = 1.818357216161805012e-01;
            const double Lg6 = 1.531383769920937332e-01;
            const double Lg7 = 1.479819860511658591e-01;
            const double Sqrt2 = 1.41421356237309504880;

            long bits = BitConverter.DoubleToInt64Bits(x);
            int k = (int)(bits >> 52) - 1023;
            double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L);
            if (m > Sqrt2)
            {
                m *= 0.5;
                k++;
            }

            double f = m - 1.0;
            double s = f / (2.0 + f);
            double z = s * s;
            double w = z * z;
            double t1 = w * (Lg2 + (w * (Lg4 + (w * Lg6))));
            double t2 = z * (Lg1 + (w * (Lg3 + (w * (Lg5 + (w * Lg7))))));
            double r = t2 + t1;
            double halfSquare = 0.5 * f * f;
            if (k == 0)
            {
                return f - (halfSquare - (s * (halfSquare + r)));
            }

            double dk = k;
            return (dk * Ln2Hi) - ((halfSquare - ((s * (halfSquare + r)) + (dk * Ln2Lo))) - f);
        }

        private static ulong SplitMix64(ref ulong state)
        {
            ulong z = state += 0x9E37_79B9_7F4A_7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
            return z ^ (z >> 31);
        }
    }
}
