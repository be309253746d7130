using System;
using System.Linq;
using System.Runtime.Intrinsics.X86;
using Xunit;

namespace RnnGen.Runtime.Tests;

/// <summary>
/// The choice a NativeAOT app makes among its published variants agrees with what the JIT finds on
/// the same machine. (.ci/package-check runs the variants themselves: a NativeAOT publish of the
/// consumer hands over to the widest one and trains to the same bits as the JIT.)
/// </summary>
public sealed class NativeAotVariantsTests
{
    /// <summary>Whether the process runs with a DOTNET_Enable… switch that hides instruction sets from the JIT (the CI's tier reruns).</summary>
    private static bool JitRestricted =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(k => k.StartsWith("DOTNET_Enable", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void X86_64_V3_IsSupported_WhereTheJitUsesAvx2AndFma()
    {
        bool jit = Avx2.IsSupported && Fma.IsSupported && Bmi1.IsSupported && Bmi2.IsSupported && Lzcnt.IsSupported;
        // Where the JIT was told not to use them (DOTNET_EnableAVX2=0), the processor may still have them.
        if (jit || !JitRestricted)
        {
            Assert.Equal(jit, NativeAotVariants.Supports("x86-64-v3"));
        }
    }

    [Fact]
    public void X86_64_V4_IsSupported_WhereTheJitUsesAvx512()
    {
        bool jit = Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported;
        if (jit || !JitRestricted)
        {
            Assert.Equal(jit, NativeAotVariants.Supports("x86-64-v4"));
        }
    }

    [Fact]
    public void Levels_AreNested_AndUnknownNamesAreNotSupported()
    {
        Assert.True(!NativeAotVariants.Supports("x86-64-v4") || NativeAotVariants.Supports("x86-64-v3"));
        Assert.True(!NativeAotVariants.Supports("x86-64-v3") || NativeAotVariants.Supports("x86-64-v2"));
        Assert.False(NativeAotVariants.Supports("x86-64-v9"));
        Assert.False(NativeAotVariants.Supports("avx2"));
        Assert.False(NativeAotVariants.Supports(""));
    }

    [Fact]
    public void Widest_IsTheFirstSupportedInTheBuildsOrder()
    {
        string? expected = NativeAotVariants.Supports("x86-64-v4") ? "x86-64-v4" : NativeAotVariants.Supports("x86-64-v3") ? "x86-64-v3" : null;
        Assert.Equal(expected, NativeAotVariants.Widest(["x86-64-v4", "x86-64-v3"]));
        Assert.Null(NativeAotVariants.Widest(["x86-64-v9", "sse9"]));
        Assert.Null(NativeAotVariants.Widest([]));
    }

    [Fact]
    public void UnderTheJit_NoVariantIsCurrent()
    {
        Assert.Null(NativeAotVariants.Current);
    }
}
