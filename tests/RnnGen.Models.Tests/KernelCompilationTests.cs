using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Models.Tests;

/// <summary>
/// How the JIT will compile the generated code. Every width-specific kernel must be marked for full
/// optimisation on its first call: without the mark, the runtime first runs it unoptimised (its
/// vector helpers called rather than inlined), and a fresh streaming model's first thousand steps
/// run about twenty times slower. And no generated method may come near the sizes at which the JIT
/// gives up optimising a method (60,000 bytes of IL; 2,000 locals, temporaries included). With the
/// JIT's summary switched on (DOTNET_JitDisasmSummary=1), every kernel of this suite is listed as
/// compiled with full optimisation on every SIMD tier.
/// </summary>
public sealed class KernelCompilationTests(ITestOutputHelper output)
{
    private static readonly string[] TierSuffixes = ["_Vector512", "_Vector256", "_Vector128", "_Scalar"];

    /// <summary>A third of the IL size at which the JIT switches to minimal optimisation.</summary>
    private const int MaximumIlBytes = 20_000;

    /// <summary>
    /// Half the local count at which the JIT switches to minimal optimisation (2,000, arguments and its
    /// early temporaries included). A Debug build keeps more IL locals than a Release build, which
    /// reuses the slots of locals whose scopes do not overlap: 313 against 289 in the largest kernel.
    /// </summary>
    private const int MaximumLocals = 1_000;

    private const BindingFlags Declared = BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>Every generated model of this assembly, and the types nested in it (its kernels, state, layout).</summary>
    private static List<Type> GeneratedTypes()
    {
        var models = typeof(KernelCompilationTests).Assembly.GetTypes()
            .Where(type => type.DeclaringType is null && typeof(IRnnModel).IsAssignableFrom(type))
            .ToList();
        var types = new List<Type>();
        void Add(Type type)
        {
            types.Add(type);
            foreach (var nested in type.GetNestedTypes(Declared))
            {
                Add(nested);
            }
        }

        models.ForEach(Add);
        return types;
    }

    [Fact]
    public void EveryTierKernel_IsCompiledFullyOptimisedOnItsFirstCall()
    {
        var kernelClasses = GeneratedTypes().Where(type => type.Name == "Kernels").ToList();
        Assert.True(kernelClasses.Count >= 20, $"expected the kernels of every fixture model, found {kernelClasses.Count} classes");

        foreach (var kernels in kernelClasses)
        {
            var tierKernels = kernels.GetMethods(Declared)
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

    [Fact]
    public void EveryGeneratedMethod_IsWellBelowTheJitsOptimisationLimits()
    {
        var methods = GeneratedTypes()
            .SelectMany(type => type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
            .Select(method => (Method: method, Body: method.GetMethodBody()))
            .Where(pair => pair.Body is not null)
            .Select(pair => (Name: $"{pair.Method.DeclaringType!.FullName}.{pair.Method.Name}", IlBytes: pair.Body!.GetILAsByteArray()!.Length, Locals: pair.Body.LocalVariables.Count))
            .ToList();
        Assert.True(methods.Count > 1000, $"found only {methods.Count} generated methods");

        var largest = methods.MaxBy(method => method.IlBytes);
        var mostLocals = methods.MaxBy(method => method.Locals);
        output.WriteLine($"{methods.Count} methods; largest: {largest.Name}, {largest.IlBytes} bytes of IL; most locals: {mostLocals.Name}, {mostLocals.Locals}");
        foreach (var method in methods)
        {
            Assert.True(method.IlBytes <= MaximumIlBytes, $"{method.Name} has {method.IlBytes} bytes of IL");
            Assert.True(method.Locals <= MaximumLocals, $"{method.Name} has {method.Locals} locals");
        }
    }
}
