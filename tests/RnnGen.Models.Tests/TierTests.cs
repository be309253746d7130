using System;
using System.Runtime.Intrinsics;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Models.Tests;

/// <summary>
/// CI runs this suite with DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0 and
/// DOTNET_EnableHWIntrinsic=0 to exercise every tier of the width ladder; this test proves each
/// switch took effect, so a tier run cannot silently test the default tier again.
/// </summary>
public sealed class TierTests(ITestOutputHelper output)
{
    [Fact]
    public void DisabledTiers_AreNotAccelerated()
    {
        output.WriteLine($"Vector512: {Vector512.IsHardwareAccelerated}, Vector256: {Vector256.IsHardwareAccelerated}, Vector128: {Vector128.IsHardwareAccelerated}");
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.False(Vector512.IsHardwareAccelerated);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
        {
            Assert.False(Vector512.IsHardwareAccelerated);
            Assert.False(Vector256.IsHardwareAccelerated);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
        {
            Assert.False(Vector512.IsHardwareAccelerated);
            Assert.False(Vector256.IsHardwareAccelerated);
            Assert.False(Vector128.IsHardwareAccelerated);
        }
    }
}
