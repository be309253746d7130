using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Numerics
{
    /// <summary>
    /// Element-wise activation functions for generated models: logistic sigmoid, hyperbolic tangent,
    /// rectified linear unit, exponential, softsign and hard sigmoid, for scalars and for 128-, 256-
    /// and 512-bit vectors.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The exponential is evaluated by range reduction, <c>exp(y) = 2^n * exp(r)</c> with
    /// <c>n = round(y / ln 2)</c> and <c>r = y - n*ln2</c> computed with a two-part (Cody–Waite)
    /// split of ln 2, followed by a degree-7 minimax polynomial for <c>exp(r)</c> on
    /// [-ln2/2, ln2/2], <c>1 + r + r^2 P(r)</c> with the quintic <c>P</c> evaluated by Estrin's scheme
    /// (independent multiply-adds on <c>r</c> and <c>r^2</c>, a shorter dependent chain than Horner's rule,
    /// which matters to a recurrent step's latency); <c>2^n</c> is built directly in the exponent bits
    /// and applied in the last multiply-add. Only non-positive
    /// arguments are ever exponentiated (<c>exp(-|x|)</c>, <c>exp(-2|x|)</c>), so nothing can overflow,
    /// and arguments below -87 flush to 0.
    /// </para>
    /// <para>
    /// <c>Sigmoid(x) = 1 / (1 + exp(-x))</c>, evaluated as <c>1 / (1 + e)</c> for x &gt;= 0 and
    /// <c>e / (1 + e)</c> for x &lt; 0 with <c>e = exp(-|x|)</c>, which keeps small outputs relatively
    /// accurate. <c>Tanh</c> uses an odd minimax polynomial <c>x + x^3 P(x^2)</c> for |x| &lt; 0.625 and
    /// <c>(1 - e) / (1 + e)</c> with <c>e = exp(-2|x|)</c> above, with the sign of x restored at the end.
    /// </para>
    /// <para>
    /// Saturation: for large |x|, <c>Tanh</c> returns exactly ±1 and <c>Sigmoid</c> exactly 0 or 1;
    /// no finite or infinite input produces NaN or an infinity. NaN inputs propagate to NaN outputs.
    /// <c>Tanh(-0)</c> is -0.
    /// </para>
    /// <para>
    /// Accuracy, as the maximum absolute error against the double-precision functions
    /// (<c>Math.Tanh(x)</c> and <c>1 / (1 + Math.Exp(-x))</c>), measured by evaluating every float in
    /// [-30, 30], with and without fused multiply-add: <c>Tanh</c> 9.0e-8 (reached near |x| = 1.27),
    /// <c>Sigmoid</c> 8.9e-8 (reached near x = 7.86). Beyond ±30 both functions are saturated or
    /// exponentially small and the error is smaller still. Small outputs are also relatively
    /// accurate: for |x| &lt; 0.625 the relative error of <c>Tanh</c> is at most 7.7e-8 where
    /// multiply-add is fused and 8.4e-8 where it is not (every float in [0.25, 0.625) measured both
    /// ways: 7.61e-8 and 8.34e-8) (and it
    /// returns x itself for |x| &lt; 1e-4), and for -87 &lt;= x &lt; 0 that of <c>Sigmoid</c> is at most
    /// 1.8e-7.
    /// </para>
    /// <para>
    /// Every overload of a function evaluates the same sequence of IEEE operations, using
    /// <see cref="Simd.MultiplyAdd(float, float, float)"/> (fused exactly when the hardware has fused
    /// multiply-add) at the same points, so the scalar overload returns bit-for-bit the value of each
    /// vector lane and scalar tail loops agree with vectorised bodies. No method allocates.
    /// </para>
    /// <para>
    /// <b>Rational activations.</b> <see cref="RationalTanh(float)"/> evaluates
    /// <c>tanh(x) ≈ x·P(x²) / Q(x²)</c>, a minimax rational function with a numerator of degree 13 and a
    /// denominator of degree 6, for |x| &lt; 7.90531110763549805 and exactly ±1 from there on (tanh is
    /// within 2.8e-7 of ±1 there). These are the coefficients of Eigen's single-precision tanh, the
    /// function RTNeural's Eigen backend evaluates. Both polynomials are evaluated by Estrin's scheme
    /// (independent multiply-adds on x², x⁴ and x⁸), then one multiply and one division: no
    /// exponential and, in the vector overloads, no branch, so a dependent chain through it is about half as long as through
    /// <see cref="Tanh(float)"/>. <see cref="RationalSigmoid(float)"/> is <c>½ + ½·RationalTanh(x/2)</c>.
    /// </para>
    /// <para>
    /// Accuracy, as the maximum absolute error against the double-precision functions measured over every
    /// float in [-30, 30]: <c>RationalTanh</c> 3.18e-7 and <c>RationalSigmoid</c> 1.87e-7 where multiply-add
    /// is fused, 3.52e-7 and 2.06e-7 where it is not (two to four times the error of
    /// <see cref="Tanh(float)"/> and <see cref="Sigmoid(float)"/>).
    /// The error is absolute, not relative: <c>RationalSigmoid</c> is exactly 0 from x = -15.81 down, not
    /// the exponentially small true value. Both saturate exactly (±1, and 0 or 1) and never leave [-1, 1]
    /// and [0, 1]; <c>RationalTanh</c> is odd, keeps -0, and both propagate NaN.
    /// As for the other functions, every overload evaluates the same IEEE operations, so the scalar returns
    /// bit for bit the value of each vector lane.
    /// </para>
    /// <para>
    /// A model declared with <c>[RnnModel(ActivationMath = ActivationMath.Rational)]</c> evaluates these
    /// in place of <see cref="Tanh(float)"/> and <see cref="Sigmoid(float)"/> in every pass.
    /// </para>
    /// </remarks>
    public static partial class Activations
    {
        // Cody–Waite split of ln 2: Ln2Hi has few significant bits so n * Ln2Hi is exact.
        private const float Log2E = 1.44269504088896341f;
        private const float Ln2Hi = 0.693359375f;
        private const float Ln2Lo = -2.12194440e-4f;

        // Adding 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer, which then sits in
        // the low mantissa bits; shifting those bits into the exponent field builds 2^n.
        private const float RoundingMagic = 12582912f;
        private const int ExponentBias = 0x3F80_0000;

        // exp(y) is flushed to 0 below this argument (exp(-87) = 1.6e-38, the normal range ends near -87.3).
        private const float ExpLowerLimit = -87f;

        // Exp clamps its argument here: e^89 overflows, and n = round(89 / ln 2) = 128 still splits into two normal factors.
        private const float ExpUpperClamp = 89f;
        private const int RoundingMagicBits = 0x4B40_0000;
        private const float OneSixth = 1f / 6f;

        // Minimax coefficients of exp(r) = 1 + r + r^2 * P(r) on [-ln2/2, ln2/2] (Cephes expf).
        private const float ExpP0 = 1.9875691500e-4f;
        private const float ExpP1 = 1.3981999507e-3f;
        private const float ExpP2 = 8.3334519073e-3f;
        private const float ExpP3 = 4.1665795894e-2f;
        private const float ExpP4 = 1.6666665459e-1f;
        private const float ExpP5 = 5.0000001201e-1f;

        // Below this magnitude tanh(x) = x + x^3 * Q(x^2) with the minimax Q below (Cephes tanhf).
        private const float TanhPolynomialLimit = 0.625f;
        private const float TanhQ0 = -5.70498872745e-3f;
        private const float TanhQ1 = 2.06390887954e-2f;
        private const float TanhQ2 = -5.37397155531e-2f;
        private const float TanhQ3 = 1.33314422036e-1f;
        private const float TanhQ4 = -3.33332819422e-1f;

        /// <summary>Computes the logistic sigmoid <c>1 / (1 + exp(-x))</c>.</summary>
        /// <param name="x">The input.</param>
        /// <returns>A value in [0, 1]; see the class remarks for the accuracy.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sigmoid(float x)
        {
            float e = ExpNonPositive(-MathF.Abs(x));
            return (x < 0f ? e : 1f) / (1f + e);
        }

        /// <summary>Computes the hyperbolic tangent.</summary>
        /// <param name="x">The input.</param>
        /// <returns>A value in [-1, 1]; see the class remarks for the accuracy.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Tanh(float x)
        {
            float a = MathF.Abs(x);
            float result;
            if (a < TanhPolynomialLimit)
            {
                float z = a * a;
                float q = Simd.MultiplyAdd(TanhQ0, z, TanhQ1);
                q = Simd.MultiplyAdd(q, z, TanhQ2);
                q = Simd.MultiplyAdd(q, z, TanhQ3);
                q = Simd.MultiplyAdd(q, z, TanhQ4);
                result = Simd.MultiplyAdd(q * z, a, a);
            }
            else
            {
                float e = ExpNonPositive(-(a + a));
                result = (1f - e) / (1f + e);
            }

            return MathF.CopySign(result, x);
        }

        /// <summary>Computes the rectified linear unit <c>max(x, 0)</c>.</summary>
        /// <param name="x">The input.</param>
        /// <returns><paramref name="x"/> if it is not negative (or is NaN), otherwise 0.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Relu(float x)
        {
            return x < 0f ? 0f : x;
        }

        /// <summary>Computes the exponential <c>e^x</c>.</summary>
        /// <param name="x">The input.</param>
        /// <returns>
        /// <c>e^x</c> within 2 ulp (the same range reduction and polynomial as the sigmoid's), 0 for
        /// x &lt; -87, +∞ from about 88.72 (where <c>e^x</c> exceeds the largest float); NaN for NaN.
        /// </returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Exp(float x)
        {
            // Above 89 the result overflows to +∞ anyway; clamping keeps n within [-126, 128].
            float y = x > ExpUpperClamp ? ExpUpperClamp : x;
            float t = Simd.MultiplyAdd(y, Log2E, RoundingMagic);
            float n = t - RoundingMagic;
            float r = Simd.MultiplyAdd(n, -Ln2Hi, y);
            r = Simd.MultiplyAdd(n, -Ln2Lo, r);
            // exp(r) - 1 = r + r^2 * P(r), with P(r) = (P0 r + P1) r^4 + (P2 r + P3) r^2 + (P4 r + P5) by
            // Estrin's scheme: three independent multiply-adds, then two (a shorter chain than Horner's five).
            float r2 = r * r;
            float p = Simd.MultiplyAdd(Simd.MultiplyAdd(Simd.MultiplyAdd(ExpP0, r, ExpP1), r2, Simd.MultiplyAdd(ExpP2, r, ExpP3)), r2, Simd.MultiplyAdd(ExpP4, r, ExpP5));
            float q = Simd.MultiplyAdd(p, r2, r);

            // 2^n as 2^(n >> 1) · 2^(n − (n >> 1)): each factor is a normal float for n in [-126, 128].
            int ni = BitConverter.SingleToInt32Bits(t) - RoundingMagicBits;
            int half = ni >> 1;
            float s1 = BitConverter.Int32BitsToSingle((half << 23) + ExponentBias);
            float s2 = BitConverter.Int32BitsToSingle(((ni - half) << 23) + ExponentBias);
            return y < ExpLowerLimit ? 0f : Simd.MultiplyAdd(q, s1, s1) * s2;
        }

        /// <summary>Computes the softsign <c>x / (1 + |x|)</c>.</summary>
        /// <param name="x">The input.</param>
        /// <returns>A value in (-1, 1) (±1 for ±∞); NaN for NaN.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Softsign(float x)
        {
            float a = MathF.Abs(x);
            return a == float.PositiveInfinity ? MathF.CopySign(1f, x) : x / (1f + a);
        }

        /// <summary>
        /// Computes PyTorch's hard sigmoid <c>clamp(x / 6 + 1/2, 0, 1)</c> (evaluated as one multiply-add
        /// by 1/6).
        /// </summary>
        /// <param name="x">The input.</param>
        /// <returns>A value in [0, 1]; NaN for NaN.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float HardSigmoid(float x)
        {
            float y = Simd.MultiplyAdd(x, OneSixth, 0.5f);
            y = y < 0f ? 0f : y;
            return y > 1f ? 1f : y;
        }

        /// <summary>
        /// exp(y) for y &lt;= 0 (accurate for y &lt;= 88), flushed to 0 for y &lt; -87; NaN propagates.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float ExpNonPositive(float y)
        {
            float t = Simd.MultiplyAdd(y, Log2E, RoundingMagic);
            float n = t - RoundingMagic;
            float r = Simd.MultiplyAdd(n, -Ln2Hi, y);
            r = Simd.MultiplyAdd(n, -Ln2Lo, r);
            // exp(r) - 1 = r + r^2 * P(r), with P(r) = (P0 r + P1) r^4 + (P2 r + P3) r^2 + (P4 r + P5) by
            // Estrin's scheme: three independent multiply-adds, then two (a shorter chain than Horner's five).
            float r2 = r * r;
            float p = Simd.MultiplyAdd(Simd.MultiplyAdd(Simd.MultiplyAdd(ExpP0, r, ExpP1), r2, Simd.MultiplyAdd(ExpP2, r, ExpP3)), r2, Simd.MultiplyAdd(ExpP4, r, ExpP5));
            float q = Simd.MultiplyAdd(p, r2, r);
            float scale = BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(t) << 23) + ExponentBias);
            // (1 + q) * 2^n as one multiply-add: scaling by a power of two is exact, so this is the rounded
            // 1 + q scaled, one rounding and one operation fewer on the chain.
            return y < ExpLowerLimit ? 0f : Simd.MultiplyAdd(q, scale, scale);
        }

        /// <summary>Computes the logistic sigmoid <c>1 / (1 + exp(-x))</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Values in [0, 1], each equal to <see cref="Sigmoid(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Sigmoid(Vector128<float> x)
        {
            Vector128<float> e = ExpNonPositive(-Vector128.Abs(x));
            Vector128<float> numerator = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), e, Vector128<float>.One);
            return numerator / (Vector128<float>.One + e);
        }

        /// <summary>Computes the hyperbolic tangent of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Values in [-1, 1], each equal to <see cref="Tanh(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Tanh(Vector128<float> x)
        {
            Vector128<float> a = Vector128.Abs(x);
            Vector128<float> z = a * a;
            Vector128<float> q = Simd.MultiplyAdd(Vector128.Create(TanhQ0), z, Vector128.Create(TanhQ1));
            q = Simd.MultiplyAdd(q, z, Vector128.Create(TanhQ2));
            q = Simd.MultiplyAdd(q, z, Vector128.Create(TanhQ3));
            q = Simd.MultiplyAdd(q, z, Vector128.Create(TanhQ4));
            Vector128<float> small = Simd.MultiplyAdd(q * z, a, a);
            Vector128<float> e = ExpNonPositive(-(a + a));
            Vector128<float> large = (Vector128<float>.One - e) / (Vector128<float>.One + e);
            Vector128<float> result = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(TanhPolynomialLimit)), small, large);
            return Vector128.ConditionalSelect(Vector128.Create(-0f), x, result);
        }

        /// <summary>Computes the rectified linear unit <c>max(x, 0)</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane of <paramref name="x"/> that is not negative (or is NaN), and 0 for the others.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Relu(Vector128<float> x)
        {
            return Vector128.AndNot(x, Vector128.LessThan(x, Vector128<float>.Zero));
        }

        /// <summary>Computes the exponential <c>e^x</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="Exp(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Exp(Vector128<float> x)
        {
            Vector128<float> y = Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(ExpUpperClamp)), Vector128.Create(ExpUpperClamp), x);
            Vector128<float> t = Simd.MultiplyAdd(y, Vector128.Create(Log2E), Vector128.Create(RoundingMagic));
            Vector128<float> n = t - Vector128.Create(RoundingMagic);
            Vector128<float> r = Simd.MultiplyAdd(n, Vector128.Create(-Ln2Hi), y);
            r = Simd.MultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
            Vector128<float> r2 = r * r;
            Vector128<float> p = Simd.MultiplyAdd(Simd.MultiplyAdd(Simd.MultiplyAdd(Vector128.Create(ExpP0), r, Vector128.Create(ExpP1)), r2, Simd.MultiplyAdd(Vector128.Create(ExpP2), r, Vector128.Create(ExpP3))), r2, Simd.MultiplyAdd(Vector128.Create(ExpP4), r, Vector128.Create(ExpP5)));
            Vector128<float> q = Simd.MultiplyAdd(p, r2, r);
            Vector128<int> ni = t.AsInt32() - Vector128.Create(RoundingMagicBits);
            Vector128<int> half = Vector128.ShiftRightArithmetic(ni, 1);
            Vector128<float> s1 = (Vector128.ShiftLeft(half, 23) + Vector128.Create(ExponentBias)).AsSingle();
            Vector128<float> s2 = (Vector128.ShiftLeft(ni - half, 23) + Vector128.Create(ExponentBias)).AsSingle();
            return Vector128.AndNot(Simd.MultiplyAdd(q, s1, s1) * s2, Vector128.LessThan(y, Vector128.Create(ExpLowerLimit)));
        }

        /// <summary>Computes the softsign <c>x / (1 + |x|)</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="Softsign(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Softsign(Vector128<float> x)
        {
            Vector128<float> a = Vector128.Abs(x);
            Vector128<float> y = x / (Vector128<float>.One + a);
            return Vector128.ConditionalSelect(Vector128.Equals(a, Vector128.Create(float.PositiveInfinity)), Vector128.ConditionalSelect(Vector128.Create(-0f), x, Vector128<float>.One), y);
        }

        /// <summary>Computes the hard sigmoid <c>clamp(x / 6 + 1/2, 0, 1)</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="HardSigmoid(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> HardSigmoid(Vector128<float> x)
        {
            Vector128<float> y = Simd.MultiplyAdd(x, Vector128.Create(OneSixth), Vector128.Create(0.5f));
            y = Vector128.ConditionalSelect(Vector128.LessThan(y, Vector128<float>.Zero), Vector128<float>.Zero, y);
            return Vector128.ConditionalSelect(Vector128.GreaterThan(y, Vector128<float>.One), Vector128<float>.One, y);
        }

        /// <summary>Lane-wise exp(y) for y &lt;= 0; see <see cref="ExpNonPositive(float)"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> ExpNonPositive(Vector128<float> y)
        {
            Vector128<float> t = Simd.MultiplyAdd(y, Vector128.Create(Log2E), Vector128.Create(RoundingMagic));
            Vector128<float> n = t - Vector128.Create(RoundingMagic);
            Vector128<float> r = Simd.MultiplyAdd(n, Vector128.Create(-Ln2Hi), y);
            r = Simd.MultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
            Vector128<float> r2 = r * r;
            Vector128<float> p = Simd.MultiplyAdd(Simd.MultiplyAdd(Simd.MultiplyAdd(Vector128.Create(ExpP0), r, Vector128.Create(ExpP1)), r2, Simd.MultiplyAdd(Vector128.Create(ExpP2), r, Vector128.Create(ExpP3))), r2, Simd.MultiplyAdd(Vector128.Create(ExpP4), r, Vector128.Create(ExpP5)));
            Vector128<float> q = Simd.MultiplyAdd(p, r2, r);
            Vector128<float> scale = (Vector128.ShiftLeft(t.AsInt32(), 23) + Vector128.Create(ExponentBias)).AsSingle();
            return Vector128.AndNot(Simd.MultiplyAdd(q, scale, scale), Vector128.LessThan(y, Vector128.Create(ExpLowerLimit)));
        }

        /// <summary>Computes the logistic sigmoid <c>1 / (1 + exp(-x))</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Values in [0, 1], each equal to <see cref="Sigmoid(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Sigmoid(Vector256<float> x)
        {
            Vector256<float> e = ExpNonPositive(-Vector256.Abs(x));
            Vector256<float> numerator = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), e, Vector256<float>.One);
            return numerator / (Vector256<float>.One + e);
        }

        /// <summary>Computes the hyperbolic tangent of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Values in [-1, 1], each equal to <see cref="Tanh(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Tanh(Vector256<float> x)
        {
            Vector256<float> a = Vector256.Abs(x);
            Vector256<float> z = a * a;
            Vector256<float> q = Simd.MultiplyAdd(Vector256.Create(TanhQ0), z, Vector256.Create(TanhQ1));
            q = Simd.MultiplyAdd(q, z, Vector256.Create(TanhQ2));
            q = Simd.MultiplyAdd(q, z, Vector256.Create(TanhQ3));
            q = Simd.MultiplyAdd(q, z, Vector256.Create(TanhQ4));
            Vector256<float> small = Simd.MultiplyAdd(q * z, a, a);
            Vector256<float> e = ExpNonPositive(-(a + a));
            Vector256<float> large = (Vector256<float>.One - e) / (Vector256<float>.One + e);
            Vector256<float> result = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(TanhPolynomialLimit)), small, large);
            return Vector256.ConditionalSelect(Vector256.Create(-0f), x, result);
        }

        /// <summary>Computes the rectified linear unit <c>max(x, 0)</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane of <paramref name="x"/> that is not negative (or is NaN), and 0 for the others.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Relu(Vector256<float> x)
        {
            return Vector256.AndNot(x, Vector256.LessThan(x, Vector256<float>.Zero));
        }

        /// <summary>Computes the exponential <c>e^x</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="Exp(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Exp(Vector256<float> x)
        {
            Vector256<float> y = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(ExpUpperClamp)), Vector256.Create(ExpUpperClamp), x);
            Vector256<float> t = Simd.MultiplyAdd(y, Vector256.Create(Log2E), Vector256.Create(RoundingMagic));
            Vector256<float> n = t - Vector256.Create(RoundingMagic);
            Vector256<float> r = Simd.MultiplyAdd(n, Vector256.Create(-Ln2Hi), y);
            r = Simd.MultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
            Vector256<float> r2 = r * r;
            Vector256<float> p = Simd.MultiplyAdd(Simd.MultiplyAdd(Simd.MultiplyAdd(Vector256.Create(ExpP0), r, Vector256.Create(ExpP1)), r2, Simd.MultiplyAdd(Vector256.Create(ExpP2), r, Vector256.Create(ExpP3))), r2, Simd.MultiplyAdd(Vector256.Create(ExpP4), r, Vector256.Create(ExpP5)));
            Vector256<float> q = Simd.MultiplyAdd(p, r2, r);
            Vector256<int> ni = t.AsInt32() - Vector256.Create(RoundingMagicBits);
            Vector256<int> half = Vector256.ShiftRightArithmetic(ni, 1);
            Vector256<float> s1 = (Vector256.ShiftLeft(half, 23) + Vector256.Create(ExponentBias)).AsSingle();
            Vector256<float> s2 = (Vector256.ShiftLeft(ni - half, 23) + Vector256.Create(ExponentBias)).AsSingle();
            return Vector256.AndNot(Simd.MultiplyAdd(q, s1, s1) * s2, Vector256.LessThan(y, Vector256.Create(ExpLowerLimit)));
        }

        /// <summary>Computes the softsign <c>x / (1 + |x|)</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="Softsign(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Softsign(Vector256<float> x)
        {
            Vector256<float> a = Vector256.Abs(x);
            Vector256<float> y = x / (Vector256<float>.One + a);
            return Vector256.ConditionalSelect(Vector256.Equals(a, Vector256.Create(float.PositiveInfinity)), Vector256.ConditionalSelect(Vector256.Create(-0f), x, Vector256<float>.One), y);
        }

        /// <summary>Computes the hard sigmoid <c>clamp(x / 6 + 1/2, 0, 1)</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="HardSigmoid(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> HardSigmoid(Vector256<float> x)
        {
            Vector256<float> y = Simd.MultiplyAdd(x, Vector256.Create(OneSixth), Vector256.Create(0.5f));
            y = Vector256.ConditionalSelect(Vector256.LessThan(y, Vector256<float>.Zero), Vector256<float>.Zero, y);
            return Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.One), Vector256<float>.One, y);
        }

        /// <summary>Lane-wise exp(y) for y &lt;= 0; see <see cref="ExpNonPositive(float)"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> ExpNonPositive(Vector256<float> y)
        {
            Vector256<float> t = Simd.MultiplyAdd(y, Vector256.Create(Log2E), Vector256.Create(RoundingMagic));
            Vector256<float> n = t - Vector256.Create(RoundingMagic);
            Vector256<float> r = Simd.MultiplyAdd(n, Vector256.Create(-Ln2Hi), y);
            r = Simd.MultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
            Vector256<float> r2 = r * r;
            Vector256<float> p = Simd.MultiplyAdd(Simd.MultiplyAdd(Simd.MultiplyAdd(Vector256.Create(ExpP0), r, Vector256.Create(ExpP1)), r2, Simd.MultiplyAdd(Vector256.Create(ExpP2), r, Vector256.Create(ExpP3))), r2, Simd.MultiplyAdd(Vector256.Create(ExpP4), r, Vector256.Create(ExpP5)));
            Vector256<float> q = Simd.MultiplyAdd(p, r2, r);
            Vector256<float> scale = (Vector256.ShiftLeft(t.AsInt32(), 23) + Vector256.Create(ExponentBias)).AsSingle();
            return Vector256.AndNot(Simd.MultiplyAdd(q, scale, scale), Vector256.LessThan(y, Vector256.Create(ExpLowerLimit)));
        }

        /// <summary>Computes the logistic sigmoid <c>1 / (1 + exp(-x))</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Values in [0, 1], each equal to <see cref="Sigmoid(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Sigmoid(Vector512<float> x)
        {
            Vector512<float> e = ExpNonPositive(-Vector512.Abs(x));
            Vector512<float> numerator = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), e, Vector512<float>.One);
            return numerator / (Vector512<float>.One + e);
        }

        /// <summary>Computes the hyperbolic tangent of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Values in [-1, 1], each equal to <see cref="Tanh(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Tanh(Vector512<float> x)
        {
            Vector512<float> a = Vector512.Abs(x);
            Vector512<float> z = a * a;
            Vector512<float> q = Simd.MultiplyAdd(Vector512.Create(TanhQ0), z, Vector512.Create(TanhQ1));
            q = Simd.MultiplyAdd(q, z, Vector512.Create(TanhQ2));
            q = Simd.MultiplyAdd(q, z, Vector512.Create(TanhQ3));
            q = Simd.MultiplyAdd(q, z, Vector512.Create(TanhQ4));
            Vector512<float> small = Simd.MultiplyAdd(q * z, a, a);
            Vector512<float> e = ExpNonPositive(-(a + a));
            Vector512<float> large = (Vector512<float>.One - e) / (Vector512<float>.One + e);
            Vector512<float> result = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(TanhPolynomialLimit)), small, large);
            return Vector512.ConditionalSelect(Vector512.Create(-0f), x, result);
        }

        /// <summary>Computes the rectified linear unit <c>max(x, 0)</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane of <paramref name="x"/> that is not negative (or is NaN), and 0 for the others.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Relu(Vector512<float> x)
        {
            return Vector512.AndNot(x, Vector512.LessThan(x, Vector512<float>.Zero));
        }

        /// <summary>Computes the exponential <c>e^x</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="Exp(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Exp(Vector512<float> x)
        {
            Vector512<float> y = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(ExpUpperClamp)), Vector512.Create(ExpUpperClamp), x);
            Vector512<float> t = Simd.MultiplyAdd(y, Vector512.Create(Log2E), Vector512.Create(RoundingMagic));
            Vector512<float> n = t - Vector512.Create(RoundingMagic);
            Vector512<float> r = Simd.MultiplyAdd(n, Vector512.Create(-Ln2Hi), y);
            r = Simd.MultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
            Vector512<float> r2 = r * r;
            Vector512<float> p = Simd.MultiplyAdd(Simd.MultiplyAdd(Simd.MultiplyAdd(Vector512.Create(ExpP0), r, Vector512.Create(ExpP1)), r2, Simd.MultiplyAdd(Vector512.Create(ExpP2), r, Vector512.Create(ExpP3))), r2, Simd.MultiplyAdd(Vector512.Create(ExpP4), r, Vector512.Create(ExpP5)));
            Vector512<float> q = Simd.MultiplyAdd(p, r2, r);
            Vector512<int> ni = t.AsInt32() - Vector512.Create(RoundingMagicBits);
            Vector512<int> half = Vector512.ShiftRightArithmetic(ni, 1);
            Vector512<float> s1 = (Vector512.ShiftLeft(half, 23) + Vector512.Create(ExponentBias)).AsSingle();
            Vector512<float> s2 = (Vector512.ShiftLeft(ni - half, 23) + Vector512.Create(ExponentBias)).AsSingle();
            return Vector512.AndNot(Simd.MultiplyAdd(q, s1, s1) * s2, Vector512.LessThan(y, Vector512.Create(ExpLowerLimit)));
        }

        /// <summary>Computes the softsign <c>x / (1 + |x|)</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="Softsign(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Softsign(Vector512<float> x)
        {
            Vector512<float> a = Vector512.Abs(x);
            Vector512<float> y = x / (Vector512<float>.One + a);
            return Vector512.ConditionalSelect(Vector512.Equals(a, Vector512.Create(float.PositiveInfinity)), Vector512.ConditionalSelect(Vector512.Create(-0f), x, Vector512<float>.One), y);
        }

        /// <summary>Computes the hard sigmoid <c>clamp(x / 6 + 1/2, 0, 1)</c> of every lane.</summary>
        /// <param name="x">The inputs.</param>
        /// <returns>Each lane equal to <see cref="HardSigmoid(float)"/> of its lane.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> HardSigmoid(Vector512<float> x)
        {
            Vector512<float> y = Simd.MultiplyAdd(x, Vector512.Create(OneSixth), Vector512.Create(0.5f));
            y = Vector512.ConditionalSelect(Vector512.LessThan(y, Vector512<float>.Zero), Vector512<float>.Zero, y);
            return Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<float>.One), Vector512<float>.One, y);
        }

        /// <summary>Lane-wise exp(y) for y &lt;= 0; see <see cref="ExpNonPositive(float)"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> ExpNonPositive(Vector512<float> y)
        {
            Vector512<float> t = Simd.MultiplyAdd(y, Vector512.Create(Log2E), Vector512.Create(RoundingMagic));
            Vector512<float> n = t - Vector512.Create(RoundingMagic);
            Vector512<float> r = Simd.MultiplyAdd(n, Vector512.Create(-Ln2Hi), y);
            r = Simd.MultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
            Vector512<float> r2 = r * r;
            Vector512<float> p = Simd.MultiplyAdd(Simd.MultiplyAdd(Simd.MultiplyAdd(Vector512.Create(ExpP0), r, Vector512.Create(ExpP1)), r2, Simd.MultiplyAdd(Vector512.Create(ExpP2), r, Vector512.Create(ExpP3))), r2, Simd.MultiplyAdd(Vector512.Create(ExpP4), r, Vector512.Create(ExpP5)));
            Vector512<float> q = Simd.MultiplyAdd(p, r2, r);
            Vector512<float> scale = (Vector512.ShiftLeft(t.AsInt32(), 23) + Vector512.Create(ExponentBias)).AsSingle();
            return Vector512.AndNot(Simd.MultiplyAdd(q, scale, scale), Vector512.LessThan(y, Vector512.Create(ExpLowerLimit)));
        }
    }
}
