using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Numerics
{
    public static partial class Activations
    {
        // From here on the result is ±1 (tanh(x) is within 2.8e-7 of it); below, the rational stays under 1.
        private const float RationalTanhLimit = 7.90531110763549805f;

        // tanh(x) ≈ x·(A0 + A1 z + … + A6 z⁶) / (B0 + B1 z + B2 z² + B3 z³), z = x² (Eigen's ptanh_float).
        private const float RationalA0 = 4.89352455891786e-3f;
        private const float RationalA1 = 6.37261928875436e-4f;
        private const float RationalA2 = 1.48572235717979e-5f;
        private const float RationalA3 = 5.12229709037114e-8f;
        private const float RationalA4 = -8.60467152213735e-11f;
        private const float RationalA5 = 2.00018790482477e-13f;
        private const float RationalA6 = -2.76076847742355e-16f;
        private const float RationalB0 = 4.89352518554385e-3f;
        private const float RationalB1 = 2.26843463243900e-3f;
        private const float RationalB2 = 1.18534705686654e-4f;
        private const float RationalB3 = 1.19825839466702e-6f;

        /// <summary>Computes the hyperbolic tangent by a rational approximation (see the remarks on rational activations).</summary>
        /// <param name="x">The input.</param>
        /// <returns>A value in [-1, 1] within 3.6e-7 of tanh(x) (±1 for |x| ≥ 7.9053111); NaN for NaN.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float RationalTanh(float x)
        {
            // x·P(z)/Q(z), z = x², P(z) = (A0 + A1 z) + z²(A2 + A3 z) + z⁴((A4 + A5 z) + z² A6), Q(z) = (B0 + B1 z) + z²(B2 + B3 z):
            // the polynomial is odd, so x itself goes in and no sign needs restoring.
            float z = x * x;
            float z2 = z * z;
            float z4 = z2 * z2;
            float p = Simd.MultiplyAdd(z4, Simd.MultiplyAdd(z2, RationalA6, Simd.MultiplyAdd(z, RationalA5, RationalA4)),
                Simd.MultiplyAdd(z2, Simd.MultiplyAdd(z, RationalA3, RationalA2), Simd.MultiplyAdd(z, RationalA1, RationalA0)));
            float q = Simd.MultiplyAdd(z2, Simd.MultiplyAdd(z, RationalB3, RationalB2), Simd.MultiplyAdd(z, RationalB1, RationalB0));
            return MathF.Abs(x) >= RationalTanhLimit ? MathF.CopySign(1f, x) : x * p / q;
        }

        /// <summary>Computes the logistic sigmoid as <c>½ + ½·RationalTanh(x/2)</c> (see the remarks on rational activations).</summary>
        /// <param name="x">The input.</param>
        /// <returns>A value in [0, 1] within 2.1e-7 of 1 / (1 + exp(-x)) (0 or 1 for |x| ≥ 15.810622); NaN for NaN.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float RationalSigmoid(float x)
        {
            // The tanh's constants serve both functions: in a cell that evaluates both, half as many registers
            // hold them (measured faster than separate coefficients scaled for x/2, which give the same floats).
            return Simd.MultiplyAdd(RationalTanh(x * 0.5f), 0.5f, 0.5f);
        }

        /// <summary>Computes the rational hyperbolic tangent of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="RationalTanh(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> RationalTanh(Vector128<float> x)
        {
            Vector128<float> z = x * x;
            Vector128<float> z2 = z * z;
            Vector128<float> z4 = z2 * z2;
            Vector128<float> p = Simd.MultiplyAdd(z4, Simd.MultiplyAdd(z2, Vector128.Create(RationalA6), Simd.MultiplyAdd(z, Vector128.Create(RationalA5), Vector128.Create(RationalA4))),
                Simd.MultiplyAdd(z2, Simd.MultiplyAdd(z, Vector128.Create(RationalA3), Vector128.Create(RationalA2)), Simd.MultiplyAdd(z, Vector128.Create(RationalA1), Vector128.Create(RationalA0))));
            Vector128<float> q = Simd.MultiplyAdd(z2, Simd.MultiplyAdd(z, Vector128.Create(RationalB3), Vector128.Create(RationalB2)), Simd.MultiplyAdd(z, Vector128.Create(RationalB1), Vector128.Create(RationalB0)));
            Vector128<float> saturated = Vector128.ConditionalSelect(Vector128.Create(-0f), x, Vector128<float>.One);
            return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(Vector128.Abs(x), Vector128.Create(RationalTanhLimit)), saturated, x * p / q);
        }

        /// <summary>Computes the rational logistic sigmoid of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="RationalSigmoid(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> RationalSigmoid(Vector128<float> x)
        {
            return Simd.MultiplyAdd(RationalTanh(x * Vector128.Create(0.5f)), Vector128.Create(0.5f), Vector128.Create(0.5f));
        }

        /// <summary>Computes the rational hyperbolic tangent of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="RationalTanh(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> RationalTanh(Vector256<float> x)
        {
            Vector256<float> z = x * x;
            Vector256<float> z2 = z * z;
            Vector256<float> z4 = z2 * z2;
            Vector256<float> p = Simd.MultiplyAdd(z4, Simd.MultiplyAdd(z2, Vector256.Create(RationalA6), Simd.MultiplyAdd(z, Vector256.Create(RationalA5), Vector256.Create(RationalA4))),
                Simd.MultiplyAdd(z2, Simd.MultiplyAdd(z, Vector256.Create(RationalA3), Vector256.Create(RationalA2)), Simd.MultiplyAdd(z, Vector256.Create(RationalA1), Vector256.Create(RationalA0))));
            Vector256<float> q = Simd.MultiplyAdd(z2, Simd.MultiplyAdd(z, Vector256.Create(RationalB3), Vector256.Create(RationalB2)), Simd.MultiplyAdd(z, Vector256.Create(RationalB1), Vector256.Create(RationalB0)));
            Vector256<float> saturated = Vector256.ConditionalSelect(Vector256.Create(-0f), x, Vector256<float>.One);
            return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(Vector256.Abs(x), Vector256.Create(RationalTanhLimit)), saturated, x * p / q);
        }

        /// <summary>Computes the rational logistic sigmoid of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="RationalSigmoid(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> RationalSigmoid(Vector256<float> x)
        {
            return Simd.MultiplyAdd(RationalTanh(x * Vector256.Create(0.5f)), Vector256.Create(0.5f), Vector256.Create(0.5f));
        }

        /// <summary>Computes the rational hyperbolic tangent of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="RationalTanh(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> RationalTanh(Vector512<float> x)
        {
            Vector512<float> z = x * x;
            Vector512<float> z2 = z * z;
            Vector512<float> z4 = z2 * z2;
            Vector512<float> p = Simd.MultiplyAdd(z4, Simd.MultiplyAdd(z2, Vector512.Create(RationalA6), Simd.MultiplyAdd(z, Vector512.Create(RationalA5), Vector512.Create(RationalA4))),
                Simd.MultiplyAdd(z2, Simd.MultiplyAdd(z, Vector512.Create(RationalA3), Vector512.Create(RationalA2)), Simd.MultiplyAdd(z, Vector512.Create(RationalA1), Vector512.Create(RationalA0))));
            Vector512<float> q = Simd.MultiplyAdd(z2, Simd.MultiplyAdd(z, Vector512.Create(RationalB3), Vector512.Create(RationalB2)), Simd.MultiplyAdd(z, Vector512.Create(RationalB1), Vector512.Create(RationalB0)));
            Vector512<float> saturated = Vector512.ConditionalSelect(Vector512.Create(-0f), x, Vector512<float>.One);
            return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(x), Vector512.Create(RationalTanhLimit)), saturated, x * p / q);
        }

        /// <summary>Computes the rational logistic sigmoid of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="RationalSigmoid(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> RationalSigmoid(Vector512<float> x)
        {
            return Simd.MultiplyAdd(RationalTanh(x * Vector512.Create(0.5f)), Vector512.Create(0.5f), Vector512.Create(0.5f));
        }
    }
}
