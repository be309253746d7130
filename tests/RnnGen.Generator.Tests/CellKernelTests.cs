using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Emission;
using RnnGen.Generator.Planning;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The element-wise kernels emitted from a cell's schedule, compiled and run on every tier: the forward
/// kernel stores the step's values and the backward kernel the derived adjoints, as a double-precision
/// evaluation of the definition computes them from the same memory.
/// </summary>
public sealed class CellKernelTests
{
    private const int Hidden = 21; // a Vector512 block, a Vector128 block and a scalar tail
    private const int Input = 6;
    private const int Rows = 3;

    [Theory]
    [MemberData(nameof(CellScheduleTests.BuiltIns), MemberType = typeof(CellScheduleTests))]
    public void Kernels_ComputeTheDefinitionAndItsDerivative_OnEveryTier(string name)
    {
        var s = CellSchedule.Create(CellScheduleTests.BuiltIn(name), Hidden, 0, Input);
        if (s.InputElementwise)
        {
            // MUT1 and MUT2 add x itself: their input is as wide as their state.
            s = CellSchedule.Create(CellScheduleTests.BuiltIn(name), Hidden, 0, Hidden);
        }

        var type = Compile(s);
        foreach (var tier in VectorTier.All)
        {
            Check(s, type, tier.Name);
        }
    }

    private static Type Compile(CellSchedule s)
    {
        var w = new IndentedWriter();
        using (w.Open("namespace CellKernelTest"))
        using (w.Open("public static class K"))
        {
            w.Line("public static ref float At(ref float origin, int offset) => ref global::System.Runtime.CompilerServices.Unsafe.Add(ref origin, offset);");
            CellKernelEmitter.Emit(w, s);
            foreach (var phase in s.Phases)
            {
                foreach (var tier in VectorTier.All)
                {
                    if (phase.HasForwardKernel)
                    {
                        Harness(w, CellKernelEmitter.ForwardName(s, phase), tier, CellKernelEmitter.ForwardArguments(s, phase).Count);
                    }

                    if (phase.HasBackwardKernel)
                    {
                        Harness(w, CellKernelEmitter.BackwardName(s, phase), tier, CellKernelEmitter.BackwardArguments(s, phase).Count);
                    }
                }
            }
        }

        var compilation = GeneratorHarness.Compilation(w.ToString()).WithOptions(
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(stream.ToArray()).GetType("CellKernelTest.K")!;
    }

    private static void Harness(IndentedWriter w, string name, VectorTier tier, int arguments)
    {
        string args = string.Join(", ", Enumerable.Range(0, arguments).Select(i => $"ref a[{i}][0]"));
        w.Line($"public static void Run_{name}_{tier.Name}(float[][] a, int count) => {name}_{tier.Name}({args}, count);");
    }

    private static void Check(CellSchedule s, Type type, string tier)
    {
        var random = new Random(7);
        var memory = new Dictionary<(CellPlaceKind, int), float[]>();
        float[] Memory(CellPlace p)
        {
            var key = (p.Kind, p.Index);
            if (!memory.TryGetValue(key, out var array))
            {
                int width = CellKernelEmitter.RowWidth(s, p);
                array = new float[width == 0 ? s.Cell.Parameters[p.Index].Blocks * Hidden : Rows * width];
                for (int i = 0; i < array.Length; i++)
                {
                    array[i] = (float)((random.NextDouble() * 2) - 1);
                }

                memory[key] = array;
            }

            return array;
        }

        float At(CellPlace p, int b, int j) => Memory(p)[(b * CellKernelEmitter.RowWidth(s, p)) + p.Offset + j];

        // Every kernel's memory, random before the first one runs.
        foreach (var phase in s.Phases)
        {
            foreach (var p in CellKernelEmitter.ForwardArguments(s, phase).Concat(CellKernelEmitter.BackwardArguments(s, phase)))
            {
                Memory(p);
            }
        }

        // The definition evaluated from the leaves as the forward kernels read them (a product's
        // output is a leaf here: the products between the phases are not part of the kernels).
        var leafValues = new double[Rows, Hidden][];
        for (int b = 0; b < Rows; b++)
        {
            for (int j = 0; j < Hidden; j++)
            {
                leafValues[b, j] = CellEvaluator.Forward(s.Cell, node => s.Cell.Nodes[node].Op == CellOp.Input && !s.InputElementwise ? 0 : At(LeafPlace(s, node), b, j));
            }
        }

        foreach (var phase in s.Phases.Where(p => p.HasForwardKernel))
        {
            Invoke(type, CellKernelEmitter.ForwardName(s, phase), tier, CellKernelEmitter.ForwardArguments(s, phase).Select(Memory));
            foreach (var (place, node) in phase.Stores)
            {
                for (int b = 0; b < Rows; b++)
                {
                    for (int j = 0; j < Hidden; j++)
                    {
                        Close(leafValues[b, j][node], At(place, b, j), $"{s.Cell.Name} {tier} forward {s.Cell.Names[node]} [{b}, {j}]");
                    }
                }
            }
        }

        // Each backward kernel, last phase first, against the memory as it found it.
        foreach (var phase in s.Phases.Where(p => p.HasBackwardKernel).Reverse())
        {
            var before = memory.ToDictionary(m => m.Key, m => (float[])m.Value.Clone());
            Invoke(type, CellKernelEmitter.BackwardName(s, phase), tier, CellKernelEmitter.BackwardArguments(s, phase).Select(Memory));
            foreach (var write in phase.Writes)
            {
                for (int b = 0; b < Rows; b++)
                {
                    for (int j = 0; j < Hidden; j++)
                    {
                        double expected = Evaluate(s, write.Expr, leafValues[b, j], seed =>
                        {
                            var p = seed.Kind switch
                            {
                                CellSeedKind.FromAbove => new CellPlace(CellPlaceKind.FromAbove, 0, 0),
                                CellSeedKind.Carry => new CellPlace(CellPlaceKind.Carry, seed.Index, 0),
                                _ => new CellPlace(CellPlaceKind.ValueGradient, seed.Index, 0),
                            };
                            return before[(p.Kind, p.Index)][(b * CellKernelEmitter.RowWidth(s, p)) + j];
                        });
                        int width = CellKernelEmitter.RowWidth(s, write.Place);
                        int index = (b * width) + write.Place.Offset + j;
                        if (write.Accumulate)
                        {
                            expected += before[(write.Place.Kind, write.Place.Index)][index];
                        }

                        Close(expected, Memory(write.Place)[index], $"{s.Cell.Name} {tier} backward {write.Place} [{b}, {j}]");
                    }
                }
            }
        }
    }

    private static CellPlace LeafPlace(CellSchedule s, int node)
    {
        var n = s.Cell.Nodes[node];
        return n.Op switch
        {
            CellOp.Input => new CellPlace(CellPlaceKind.Input, 0, 0),
            CellOp.State => new CellPlace(CellPlaceKind.StateOld, n.Index, 0),
            CellOp.Vector => new CellPlace(CellPlaceKind.Vector, n.Index, n.Block * Hidden),
            _ => new CellPlace(s.GroupOf(node).Group.Hoisted ? CellPlaceKind.Hoisted : CellPlaceKind.Projection, s.GroupOf(node).Group.Index, s.GroupOf(node).Offset),
        };
    }

    private static double Evaluate(CellSchedule s, int expr, double[] forward, Func<CellSeed, double> seed)
    {
        var e = s.Adjoints.Exprs[expr];
        double A() => Evaluate(s, e.A, forward, seed);
        double B() => Evaluate(s, e.B, forward, seed);
        return e.Op switch
        {
            AdjointOp.Forward => forward[e.Node],
            AdjointOp.Seed => seed(e.Seed!),
            AdjointOp.Constant => e.Constant,
            AdjointOp.Add => A() + B(),
            AdjointOp.Subtract => A() - B(),
            AdjointOp.Multiply => A() * B(),
            AdjointOp.Divide => A() / B(),
            AdjointOp.Negate => -A(),
            AdjointOp.Abs => Math.Abs(A()),
            AdjointOp.SelectPositive => A() > 0 ? B() : 0,
            _ => A() > -3 && A() < 3 ? B() : 0,
        };
    }

    private static void Invoke(Type type, string kernel, string tier, IEnumerable<float[]> arguments)
    {
        var method = type.GetMethod($"Run_{kernel}_{tier}")!;
        method.Invoke(null, [arguments.ToArray(), Rows]);
    }

    private static void Close(double expected, float actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 2e-5 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual:R} against {expected:R}");
}
