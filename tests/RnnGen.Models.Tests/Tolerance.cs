using System;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>The error measure of the parity tests: max |actual − expected| over a tensor divided by max |expected|.</summary>
internal static class Tolerance
{
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxError = 0, maxMagnitude = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]) || float.IsInfinity(actual[i]), $"element {i} is {actual[i]}");
            maxError = Math.Max(maxError, Math.Abs((double)actual[i] - expected[i]));
            maxMagnitude = Math.Max(maxMagnitude, Math.Abs((double)expected[i]));
        }

        return maxMagnitude == 0 ? maxError : maxError / maxMagnitude;
    }

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance, string what)
    {
        double error = RelativeError(actual, expected);
        Assert.True(error <= tolerance, $"{what}: relative error {error:E3} exceeds {tolerance:E1}");
    }
}
