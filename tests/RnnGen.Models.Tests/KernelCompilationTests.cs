using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// Every width-specific kernel of every generated model in this assembly must be marked for full
/// optimisation on its first call. Without the mark, the runtime first runs it unoptimised (its
/// vector helpers called rather than inlined), and a fresh streaming model's first thousand steps
/// run about twenty times slower.
/// </summary>
public sealed class KernelCompilationTests
{
    private static readonly string[] TierSuffixes = ["_Vector512", "_Vector256", "_Vector128", "_Scalar"];

    [Fact]
    public void EveryTierKernel_IsCompiledFullyOptimisedOnItsFirstCall()
    {
        var kernelClasses = typeof(KernelCompilationTests).Assembly.GetTypes()
            .Where(type => type.Name == "Kernels" && type.DeclaringType is not null)
            .ToList();
        Assert.True(kernelClasses.Count >= 20, $"expected the kernels of every fixture model, found {kernelClasses.Count} classes");

        foreach (var kernels in kernelClasses)
        {
            var tierKernels = kernels.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
                .Where(method => TierSuffixes.Any(method.Name.EndsWith))
                .ToList();
            Assert.True(tierKernels.Count >= 4 * 3, $"{kernels.DeclaringType!.Name}: only {tierKernels.Count} width-specific kernels");
            foreach (var method in tierKernels)
            {
                Assert.True(
                    (method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0,
                    $"{kernels.DeclaringType!.Name}.Kernels.{method.Name} is not marked AggressiveOptimization");
            }
        }
    }
}
