using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using RnnGen.Numerics;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class ActivationTests
    {
        // Evaluating every float in [-30, 30] gives maximum absolute errors of 9.0e-8 (Tanh) and
        // 8.9e-8 (Sigmoid), as documented on Activations; these tests hold them to 1e-7.
        private const double TanhBound = 1.0e-7;
        private const double SigmoidBound = 1.0e-7;

        // The rational approximations (ActivationMath.Rational): every float in [-30, 30] gives 3.18e-7
        // (RationalTanh) and 1.87e-7 (RationalSigmoid) where multiply-add is fused, 3.52e-7 and 2.06e-7 where
        // it is not, as documented on Activations.
        private static readonly bool Fused = System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
        private static readonly double RationalTanhBound = Fused ? 3.18e-7 : 3.52e-7;
        private static readonly double RationalSigmoidBound = Fused ? 1.87e-7 : 2.06e-7;

        public enum Function
        {
            Tanh,
            Sigmoid,
            Relu,
            Exp,
            Softsign,
            HardSigmoid,
            RationalTanh,
            RationalSigmoid,
        }

        /// <summary>
        /// A dense sweep of [-30, 30] with step 2^-12, a geometric sweep of tiny to large magnitudes of
        /// both signs, and the extremes (±100, ±1e30, ±0, subnormals, ±MaxValue, ±infinity and the
        /// neighbours of the internal breakpoints).
        /// </summary>
        public static float[] Inputs()
        {
            var inputs = new List<float>();
            for (int i = -30 * 4096; i <= 30 * 4096; i++)
            {
                inputs.Add(i / 4096f);
            }

            for (double magnitude = 1e-38; magnitude < 1e38; magnitude *= 1.01)
            {
                inputs.Add((float)magnitude);
                inputs.Add((float)-magnitude);
            }

            float[] extremes =
            {
                100f, 1e30f, 0f, float.Epsilon, 1e-40f, float.MaxValue, float.PositiveInfinity, 1e-4f,
                0.625f, 9f, 17f, 43.5f, 87f, 88f, 88.8f, 89f, 104f, 1e-20f,
            };
            foreach (float x in extremes)
            {
                foreach (float value in new[] { x, MathF.BitIncrement(x), MathF.BitDecrement(x) })
                {
                    inputs.Add(value);
                    inputs.Add(-value);
                }
            }

            // Where the rational functions' errors peak over every float in [-30, 30] (RationalTanh with and
            // without fused multiply-add, RationalSigmoid likewise), so their bounds are tested at their maxima.
            foreach (float x in new[] { 2.1795373f, 7.0988507f, 7.49776f, 14.197701f })
            {
                inputs.Add(x);
                inputs.Add(-x);
            }

            inputs.Add(-0f);
            return inputs.ToArray();
        }

        [Fact]
        public void TanhErrorIsWithinTheDocumentedBound() =>
            AssertWithin("Tanh", Activations.Tanh, Math.Tanh, TanhBound, y => float.IsFinite(y));

        [Fact]
        public void SigmoidErrorIsWithinTheDocumentedBound() =>
            AssertWithin("Sigmoid", Activations.Sigmoid, ReferenceSigmoid, SigmoidBound, y => float.IsFinite(y) && y >= 0f && y <= 1f);

        [Fact]
        public void RationalTanhIsWithinItsBoundOddAndBelowOne()
        {
            AssertWithin("RationalTanh", Activations.RationalTanh, Math.Tanh, RationalTanhBound, y => float.IsFinite(y) && MathF.Abs(y) <= 1f);
            foreach (float x in Inputs())
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(-Activations.RationalTanh(x)), BitConverter.SingleToInt32Bits(Activations.RationalTanh(-x)));
            }

            Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(Activations.RationalTanh(-0f)));
            Assert.Equal(1f, Activations.RationalTanh(float.PositiveInfinity));
            Assert.Equal(-1f, Activations.RationalTanh(float.NegativeInfinity));
            // ±1 from the limit 7.90531110763549805 on, and below 1 just before it.
            Assert.Equal(1f, Activations.RationalTanh(7.90531110763549805f));
            Assert.Equal(-1f, Activations.RationalTanh(-7.90531110763549805f));
            Assert.True(Activations.RationalTanh(MathF.BitDecrement(7.90531110763549805f)) < 1f);
            Assert.True(Activations.RationalSigmoid(MathF.BitDecrement(2 * 7.90531110763549805f)) < 1f);
            Assert.Equal(1f, Activations.RationalSigmoid(2 * 7.90531110763549805f));
            Assert.Equal(0f, Activations.RationalSigmoid(-2 * 7.90531110763549805f));
            Assert.True(float.IsNaN(Activations.RationalTanh(float.NaN)));
        }

        [Fact]
        public void RationalSigmoidIsWithinItsBoundAndInTheUnitInterval()
        {
            AssertWithin("RationalSigmoid", Activations.RationalSigmoid, ReferenceSigmoid, RationalSigmoidBound, y => float.IsFinite(y) && y >= 0f && y <= 1f);
            Assert.Equal(0.5f, Activations.RationalSigmoid(0f));
            Assert.Equal(1f, Activations.RationalSigmoid(float.PositiveInfinity));
            Assert.Equal(0f, Activations.RationalSigmoid(float.NegativeInfinity));
            Assert.True(float.IsNaN(Activations.RationalSigmoid(float.NaN)));
        }

        [Fact]
        public void SmallOutputsAreRelativelyAccurate()
        {
            // Documented: relative error for Tanh below 0.625 at most 7.7e-8 with fused multiply-add and
            // 8.4e-8 without (every float in [0.25, 0.625) gives 7.61e-8 and 8.34e-8), and 1.8e-7 for
            // Sigmoid on [-87, 0).
            bool fused = System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
            double tanhBound = fused ? 7.7e-8 : 8.4e-8;
            for (double magnitude = 1e-30; magnitude < 0.625; magnitude *= 1.0001)
            {
                float x = (float)magnitude;
                double reference = Math.Tanh(x);
                Assert.True(Math.Abs(Activations.Tanh(x) - reference) <= tanhBound * reference, $"Tanh({x:R})");
            }

            for (int i = 1; i <= 87 * 8192; i++)
            {
                float x = -i / 8192f;
                double reference = ReferenceSigmoid(x);
                Assert.True(Math.Abs(Activations.Sigmoid(x) - reference) <= 1.8e-7 * reference, $"Sigmoid({x:R})");
            }
        }

        [Fact]
        public void SaturatesExactly()
        {
            foreach (float x in new[] { 10f, 50f, 100f, 1e30f, float.MaxValue, float.PositiveInfinity })
            {
                Assert.Equal(1f, Activations.Tanh(x));
                Assert.Equal(-1f, Activations.Tanh(-x));
            }

            foreach (float x in new[] { 17f, 50f, 100f, 1e30f, float.MaxValue, float.PositiveInfinity })
            {
                Assert.Equal(1f, Activations.Sigmoid(x));
            }

            foreach (float x in new[] { 88f, 100f, 1e30f, float.MaxValue, float.PositiveInfinity })
            {
                Assert.Equal(0f, Activations.Sigmoid(-x));
            }
        }

        [Fact]
        public void HandlesZeroTinyAndNaN()
        {
            Assert.Equal(0, BitConverter.SingleToInt32Bits(Activations.Tanh(0f)));
            Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(Activations.Tanh(-0f)));
            Assert.Equal(0.5f, Activations.Sigmoid(0f));
            Assert.Equal(0.5f, Activations.Sigmoid(-0f));

            // tanh(x) rounds to x for |x| < 1e-4, so the polynomial branch must return x itself.
            foreach (float x in new[] { 1e-4f, 3e-7f, 1e-20f, 1e-40f, float.Epsilon })
            {
                Assert.Equal(x, Activations.Tanh(x));
                Assert.Equal(-x, Activations.Tanh(-x));
            }

            Assert.True(float.IsNaN(Activations.Tanh(float.NaN)));
            Assert.True(float.IsNaN(Activations.Sigmoid(float.NaN)));
            Assert.True(float.IsNaN(Activations.Relu(float.NaN)));
        }

        [Fact]
        public void TanhIsExactlyOddAndSigmoidIsSymmetric()
        {
            foreach (float x in Inputs())
            {
                Assert.Equal(-Activations.Tanh(x), Activations.Tanh(-x));
                if (Math.Abs(x) < 40f)
                {
                    Assert.True(Math.Abs(Activations.Sigmoid(x) + Activations.Sigmoid(-x) - 1.0) <= 2 * SigmoidBound, $"x = {x:R}");
                }
            }
        }

        [Fact]
        public void ReluKeepsNonNegativeValuesAndZeroesNegativeOnes()
        {
            Assert.Equal(0f, Activations.Relu(-3.5f));
            Assert.Equal(0f, Activations.Relu(float.NegativeInfinity));
            Assert.Equal(0f, Activations.Relu(-float.Epsilon));
            Assert.Equal(2.25f, Activations.Relu(2.25f));
            Assert.Equal(float.PositiveInfinity, Activations.Relu(float.PositiveInfinity));
            Assert.Equal(0f, Activations.Relu(0f));
        }

        [Theory]
        [InlineData(128, Function.Tanh)]
        [InlineData(256, Function.Tanh)]
        [InlineData(512, Function.Tanh)]
        [InlineData(128, Function.Sigmoid)]
        [InlineData(256, Function.Sigmoid)]
        [InlineData(512, Function.Sigmoid)]
        [InlineData(128, Function.Relu)]
        [InlineData(256, Function.Relu)]
        [InlineData(512, Function.Relu)]
        [InlineData(128, Function.Exp)]
        [InlineData(256, Function.Exp)]
        [InlineData(512, Function.Exp)]
        [InlineData(128, Function.Softsign)]
        [InlineData(256, Function.Softsign)]
        [InlineData(512, Function.Softsign)]
        [InlineData(128, Function.HardSigmoid)]
        [InlineData(256, Function.HardSigmoid)]
        [InlineData(512, Function.HardSigmoid)]
        [InlineData(128, Function.RationalTanh)]
        [InlineData(256, Function.RationalTanh)]
        [InlineData(512, Function.RationalTanh)]
        [InlineData(128, Function.RationalSigmoid)]
        [InlineData(256, Function.RationalSigmoid)]
        [InlineData(512, Function.RationalSigmoid)]
        public void VectorOverloadsMatchTheScalarOverloadLaneByLane(int width, Function function)
        {
            float[] inputs = Inputs();
            var withNaN = new float[inputs.Length + 1];
            inputs.CopyTo(withNaN, 0);
            withNaN[^1] = float.NaN;
            float[] vector = ApplyVector(width, function, withNaN);
            double bound = function == Function.Tanh ? TanhBound : SigmoidBound;
            for (int i = 0; i < withNaN.Length; i++)
            {
                float x = withNaN[i];
                float scalar = ApplyScalar(function, x);
                if (float.IsNaN(x))
                {
                    Assert.True(float.IsNaN(vector[i]), $"{function} of NaN lane gave {vector[i]:R}");
                    continue;
                }

                Assert.True(FloatAssert.UlpDistance(scalar, vector[i]) <= 2, $"{function}({x:R}): scalar {scalar:R}, Vector{width} {vector[i]:R}");
                if (function is Function.RationalTanh or Function.RationalSigmoid)
                {
                    // The rational functions are the same IEEE operations in every overload: equal bits.
                    Assert.True(BitConverter.SingleToInt32Bits(scalar) == BitConverter.SingleToInt32Bits(vector[i]), $"{function}({x:R}): scalar {scalar:R}, Vector{width} {vector[i]:R}");
                    double reference = function == Function.RationalTanh ? Math.Tanh(x) : ReferenceSigmoid(x);
                    double rationalBound = function == Function.RationalTanh ? RationalTanhBound : RationalSigmoidBound;
                    Assert.True(Math.Abs(vector[i] - reference) <= rationalBound, $"{function}({x:R}) = {vector[i]:R}, expected {reference:R}");
                }
                else if (function is Function.Exp or Function.Softsign or Function.HardSigmoid)
                {
                    AssertAccurate(function, x, vector[i]);
                }
                else if (function != Function.Relu)
                {
                    double reference = function == Function.Tanh ? Math.Tanh(x) : ReferenceSigmoid(x);
                    Assert.True(Math.Abs(vector[i] - reference) <= bound, $"{function}({x:R}) = {vector[i]:R}, expected {reference:R}");
                }
            }
        }

        private static double ReferenceSigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

        /// <summary>Every input of <see cref="Inputs"/>: a value <paramref name="valid"/> accepts, within <paramref name="bound"/> of the double-precision reference.</summary>
        private static void AssertWithin(string name, Func<float, float> function, Func<double, double> reference, double bound, Func<float, bool> valid)
        {
            double worst = 0;
            float worstAt = 0;
            foreach (float x in Inputs())
            {
                float y = function(x);
                Assert.True(valid(y), $"{name}({x:R}) = {y:R}");
                double error = Math.Abs(y - reference(x));
                if (error > worst)
                {
                    worst = error;
                    worstAt = x;
                }
            }

            Assert.True(worst <= bound, $"max |{name} - reference| = {worst:E3} at x = {worstAt:R}");
        }

        /// <summary>
        /// Exp: within 2.5e-7 relative of Math.Exp (0 below -87, +∞ where e^x passes float.MaxValue);
        /// Softsign and HardSigmoid: within 1e-7 absolute of the double-precision formulas.
        /// </summary>
        private static void AssertAccurate(Function function, float x, float y)
        {
            switch (function)
            {
                case Function.Exp:
                {
                    double reference = Math.Exp(x);
                    if (x < -87f)
                    {
                        Assert.Equal(0f, y);
                    }
                    else if (reference > float.MaxValue * (1 + 2.5e-7))
                    {
                        Assert.Equal(float.PositiveInfinity, y);
                    }
                    else if (reference < float.MaxValue * (1 - 2.5e-7))
                    {
                        Assert.True(Math.Abs(y - reference) <= 2.5e-7 * reference, $"Exp({x:R}) = {y:R}, expected {reference:R}");
                    }

                    break;
                }

                case Function.Softsign:
                {
                    double reference = float.IsInfinity(x) ? Math.Sign(x) : x / (1.0 + Math.Abs((double)x));
                    Assert.True(Math.Abs(y - reference) <= 1e-7, $"Softsign({x:R}) = {y:R}, expected {reference:R}");
                    break;
                }

                default:
                {
                    double reference = Math.Clamp((x / 6.0) + 0.5, 0.0, 1.0);
                    Assert.True(Math.Abs(y - reference) <= 1e-7, $"HardSigmoid({x:R}) = {y:R}, expected {reference:R}");
                    break;
                }
            }
        }

        private static float ApplyScalar(Function function, float x) => function switch
        {
            Function.Tanh => Activations.Tanh(x),
            Function.Sigmoid => Activations.Sigmoid(x),
            Function.Exp => Activations.Exp(x),
            Function.Softsign => Activations.Softsign(x),
            Function.HardSigmoid => Activations.HardSigmoid(x),
            Function.RationalTanh => Activations.RationalTanh(x),
            Function.RationalSigmoid => Activations.RationalSigmoid(x),
            _ => Activations.Relu(x),
        };

        private static float[] ApplyVector(int width, Function function, float[] inputs)
        {
            int lanes = width / 32;
            var padded = new float[(inputs.Length + lanes - 1) / lanes * lanes];
            inputs.CopyTo(padded, 0);
            var output = new float[padded.Length];
            for (int i = 0; i < padded.Length; i += lanes)
            {
                ReadOnlySpan<float> source = padded.AsSpan(i, lanes);
                Span<float> destination = output.AsSpan(i, lanes);
                switch (width)
                {
                    case 128:
                        {
                            Vector128<float> x = Vector128.Create(source);
                            Vector128<float> y = function switch
                            {
                                Function.Tanh => Activations.Tanh(x),
                                Function.Sigmoid => Activations.Sigmoid(x),
                                Function.Exp => Activations.Exp(x),
                                Function.Softsign => Activations.Softsign(x),
                                Function.HardSigmoid => Activations.HardSigmoid(x),
                                Function.RationalTanh => Activations.RationalTanh(x),
                                Function.RationalSigmoid => Activations.RationalSigmoid(x),
                                _ => Activations.Relu(x),
                            };
                            y.CopyTo(destination);
                            break;
                        }

                    case 256:
                        {
                            Vector256<float> x = Vector256.Create(source);
                            Vector256<float> y = function switch
                            {
                                Function.Tanh => Activations.Tanh(x),
                                Function.Sigmoid => Activations.Sigmoid(x),
                                Function.Exp => Activations.Exp(x),
                                Function.Softsign => Activations.Softsign(x),
                                Function.HardSigmoid => Activations.HardSigmoid(x),
                                Function.RationalTanh => Activations.RationalTanh(x),
                                Function.RationalSigmoid => Activations.RationalSigmoid(x),
                                _ => Activations.Relu(x),
                            };
                            y.CopyTo(destination);
                            break;
                        }

                    default:
                        {
                            Vector512<float> x = Vector512.Create(source);
                            Vector512<float> y = function switch
                            {
                                Function.Tanh => Activations.Tanh(x),
                                Function.Sigmoid => Activations.Sigmoid(x),
                                Function.Exp => Activations.Exp(x),
                                Function.Softsign => Activations.Softsign(x),
                                Function.HardSigmoid => Activations.HardSigmoid(x),
                                Function.RationalTanh => Activations.RationalTanh(x),
                                Function.RationalSigmoid => Activations.RationalSigmoid(x),
                                _ => Activations.Relu(x),
                            };
                            y.CopyTo(destination);
                            break;
                        }
                }
            }

            return output.AsSpan(0, inputs.Length).ToArray();
        }
    }
}
