using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Numerics
{
    /// <summary>
    /// Fused arithmetic for generated SIMD code that behaves identically at every vector width.
    /// </summary>
    /// <remarks>
    /// <see cref="MultiplyAdd(float, float, float)"/> and its vector overloads are fused (one
    /// rounding) exactly when the processor has fused multiply-add instructions (x86 FMA3 or
    /// AVX-512F, Arm AdvSimd) and unfused (two roundings) otherwise, and the scalar overload makes the
    /// same choice as the vector ones. A scalar tail loop therefore computes bit-for-bit the same
    /// results as the vectorised body it completes.
    /// </remarks>
    public static partial class Simd
    {
        /// <summary>Computes <c>a * b + c</c>, fused when the hardware supports it.</summary>
        /// <param name="a">The first factor.</param>
        /// <param name="b">The second factor.</param>
        /// <param name="c">The addend.</param>
        /// <returns><c>a * b + c</c>.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float MultiplyAdd(float a, float b, float c)
        {
            if (Fma.IsSupported || AdvSimd.IsSupported)
            {
                return System.MathF.FusedMultiplyAdd(a, b, c);
            }

            return (a * b) + c;
        }

        /// <summary>Computes <c>a * b + c</c> lane by lane, fused when the hardware supports it.</summary>
        /// <param name="a">The first factors.</param>
        /// <param name="b">The second factors.</param>
        /// <param name="c">The addends.</param>
        /// <returns><c>a * b + c</c>.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
        {
            if (Fma.IsSupported)
            {
                return Fma.MultiplyAdd(a, b, c);
            }

            if (AdvSimd.IsSupported)
            {
                return AdvSimd.FusedMultiplyAdd(c, a, b);
            }

            return (a * b) + c;
        }

        /// <summary>Computes <c>a * b + c</c> lane by lane, fused when the hardware supports it.</summary>
        /// <param name="a">The first factors.</param>
        /// <param name="b">The second factors.</param>
        /// <param name="c">The addends.</param>
        /// <returns><c>a * b + c</c>.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        {
            if (Fma.IsSupported)
            {
                return Fma.MultiplyAdd(a, b, c);
            }

            if (AdvSimd.IsSupported)
            {
                return Vector256.Create(
                    MultiplyAdd(a.GetLower(), b.GetLower(), c.GetLower()),
                    MultiplyAdd(a.GetUpper(), b.GetUpper(), c.GetUpper()));
            }

            return (a * b) + c;
        }

        /// <summary>Computes <c>a * b + c</c> lane by lane, fused when the hardware supports it.</summary>
        /// <param name="a">The first factors.</param>
        /// <param name="b">The second factors.</param>
        /// <param name="c">The addends.</param>
        /// <returns><c>a * b + c</c>.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c)
        {
            if (Avx512F.IsSupported)
            {
                return Avx512F.FusedMultiplyAdd(a, b, c);
            }

            if (Fma.IsSupported || AdvSimd.IsSupported)
            {
                return Vector512.Create(
                    MultiplyAdd(a.GetLower(), b.GetLower(), c.GetLower()),
                    MultiplyAdd(a.GetUpper(), b.GetUpper(), c.GetUpper()));
            }

            return (a * b) + c;
        }
    }
}
