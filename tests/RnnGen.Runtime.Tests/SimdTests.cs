using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using RnnGen.Numerics;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class SimdTests
    {
        [Fact]
        public void ScalarMultiplyAddIsFusedExactlyWhenTheHardwareHasFma()
        {
            // (1 + 2^-23)^2 - 1 = 2^-22 + 2^-46: a fused operation keeps the 2^-46 term, an unfused one loses it.
            float a = 1f + MathF.Pow(2, -23);
            float result = Simd.MultiplyAdd(a, a, -1f);
            bool fused = Fma.IsSupported || AdvSimd.IsSupported;
            float expected = fused ? (float)(Math.Pow(2, -22) + Math.Pow(2, -46)) : MathF.Pow(2, -22);
            Assert.Equal(expected, result);
        }

        [Fact]
        public void VectorOverloadsAgreeWithTheScalarOverloadInEveryLane()
        {
            var random = new RandomSource(7);
            var a = new float[16];
            var b = new float[16];
            var c = new float[16];
            bool fused = System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
            for (int round = 0; round < 1000; round++)
            {
                for (int i = 0; i < 16; i++)
                {
                    a[i] = random.NextUniform(-4f, 4f);
                    b[i] = random.NextUniform(-4f, 4f);
                    c[i] = random.NextUniform(-4f, 4f);
                }

                a[0] = 1f + MathF.Pow(2, -23);
                b[0] = a[0];
                c[0] = -1f;

                Vector128<float> r128 = Simd.MultiplyAdd(Vector128.Create(a), Vector128.Create(b), Vector128.Create(c));
                Vector256<float> r256 = Simd.MultiplyAdd(Vector256.Create(a), Vector256.Create(b), Vector256.Create(c));
                Vector512<float> r512 = Simd.MultiplyAdd(Vector512.Create(a), Vector512.Create(b), Vector512.Create(c));
                for (int i = 0; i < 16; i++)
                {
                    float expected = Simd.MultiplyAdd(a[i], b[i], c[i]);
                    if (i < 4)
                    {
                        Assert.Equal(expected, r128[i]);
                    }

                    if (i < 8)
                    {
                        Assert.Equal(expected, r256[i]);
                    }

                    Assert.Equal(expected, r512[i]);
                    // Fused: one rounding of the exact result. Unfused (no FMA on this machine or
                    // tier): the product is rounded too, so half an ulp of each.
                    double exact = ((double)a[i] * b[i]) + c[i];
                    double bound = fused ? HalfUlp(expected) : HalfUlp(a[i] * b[i]) + HalfUlp(expected);
                    Assert.True(Math.Abs(expected - exact) <= bound, $"a*b+c: {expected:R} vs {exact:R}");
                }
            }
        }
    
        private static double HalfUlp(float value) => (MathF.BitIncrement(MathF.Abs(value)) - MathF.Abs(value)) / 2.0;
    }
}
