using System;

namespace RnnGen.Runtime.Tests
{
    /// <summary>Compares floats by units in the last place.</summary>
    internal static class FloatAssert
    {
        /// <summary>The number of representable floats between a and b (0 when equal, including +0 and -0).</summary>
        public static long UlpDistance(float a, float b)
        {
            return Math.Abs(Ordered(a) - Ordered(b));
        }

        private static long Ordered(float value)
        {
            int bits = BitConverter.SingleToInt32Bits(value);
            return bits < 0 ? -(long)(bits & int.MaxValue) : bits;
        }
    }
}
