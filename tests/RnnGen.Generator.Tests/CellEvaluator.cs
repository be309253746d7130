using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Cells;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Runs a scheduled cell of width 1 in double precision: the forward step from its leaves, and each
/// backward kernel's writes from their expressions, so the derived backward pass can be compared with
/// central differences of the forward step.
/// </summary>
internal static class CellEvaluator
{
    /// <summary>The forward value of every node, given the leaves (x, old states, products, vectors).</summary>
    public static double[] Forward(CellDefinition cell, Func<int, double> leaf)
    {
        var v = new double[cell.Nodes.Count];
        for (int i = 0; i < v.Length; i++)
        {
            var n = cell.Nodes[i];
            double a = n.A >= 0 ? v[n.A] : 0, b = n.B >= 0 ? v[n.B] : 0;
            v[i] = n.Op switch
            {
                CellOp.Constant => n.Constant,
                CellOp.Add => a + b,
                CellOp.Subtract => a - b,
                CellOp.Multiply => a * b,
                CellOp.Negate => -a,
                CellOp.Sigmoid => 1 / (1 + Math.Exp(-a)),
                CellOp.Tanh => Math.Tanh(a),
                CellOp.Relu => Math.Max(a, 0),
                CellOp.Exp => Math.Exp(a),
                CellOp.Softsign => a / (1 + Math.Abs(a)),
                CellOp.HardSigmoid => Math.Min(1, Math.Max(0, (a / 6) + 0.5)),
                _ => leaf(i),
            };
        }

        return v;
    }

    /// <summary>
    /// Checks every adjoint the backward kernels write against central differences of
    /// L = Σ_k w_k · (new state k) (+ a weight on h from above), with random leaves and weights.
    /// Adjoints written by several phases are summed as the kernels sum them.
    /// </summary>
    public static void CheckAgainstCentralDifferences(CellSchedule s, int seed)
    {
        var cell = s.Cell;
        var random = new Random(seed);
        var leaves = new Dictionary<int, double>();
        for (int i = 0; i < cell.Nodes.Count; i++)
        {
            if (cell.Nodes[i].IsLeaf && cell.Nodes[i].Op != CellOp.Constant)
            {
                leaves[i] = (random.NextDouble() * 2) - 1;
            }
        }

        var carry = cell.States.Select(_ => (random.NextDouble() * 2) - 1).ToArray();
        double fromAbove = (random.NextDouble() * 2) - 1;
        double Loss(Dictionary<int, double> at)
        {
            var v = Forward(cell, i => at[i]);
            double loss = 0;
            for (int k = 0; k < cell.States.Count; k++)
            {
                loss += (carry[k] + (k == 0 ? fromAbove : 0)) * v[cell.States[k].Next];
            }

            return loss;
        }

        var forward = Forward(cell, i => leaves[i]);

        // Run the backward kernels last phase first, as the generated code does; a product's input
        // gradient (dv += dY·W) is the identity here, since W is not part of the step's leaves.
        var places = new Dictionary<CellPlace, double>();
        var valueGradients = new Dictionary<int, double>();
        for (int l = s.Phases.Count - 1; l >= 0; l--)
        {
            var phase = s.Phases[l];
            var values = new double[s.Adjoints.Exprs.Count];
            var done = new bool[values.Length];
            double Eval(int e)
            {
                if (done[e])
                {
                    return values[e];
                }

                var x = s.Adjoints.Exprs[e];
                double a = x.A >= 0 ? Eval(x.A) : 0, b = x.B >= 0 ? Eval(x.B) : 0;
                values[e] = x.Op switch
                {
                    AdjointOp.Forward => forward[x.Node],
                    AdjointOp.Seed => x.Seed!.Kind switch
                    {
                        CellSeedKind.FromAbove => fromAbove,
                        CellSeedKind.Carry => carry[x.Seed.Index],
                        _ => valueGradients.TryGetValue(x.Seed.Index, out double d) ? d : 0,
                    },
                    AdjointOp.Constant => x.Constant,
                    AdjointOp.Add => a + b,
                    AdjointOp.Subtract => a - b,
                    AdjointOp.Multiply => a * b,
                    AdjointOp.Divide => a / b,
                    AdjointOp.Negate => -a,
                    AdjointOp.Abs => Math.Abs(a),
                    AdjointOp.SelectPositive => a > 0 ? b : 0,
                    AdjointOp.SelectInside3 => a > -3 && a < 3 ? b : 0,
                    _ => throw new InvalidOperationException(),
                };
                done[e] = true;
                return values[e];
            }

            foreach (var write in phase.Writes)
            {
                double value = Eval(write.Expr);
                places[write.Place] = write.Accumulate && places.TryGetValue(write.Place, out double old) ? old + value : value;
                if (write.Place.Kind == CellPlaceKind.ValueGradient)
                {
                    valueGradients[write.Place.Index] = places[write.Place];
                }
            }
        }

        // Every leaf's adjoint, as the written places hold it, against central differences.
        foreach (var (leaf, value) in leaves)
        {
            var n = cell.Nodes[leaf];
            CellPlace place = n.Op switch
            {
                CellOp.Product => new CellPlace(CellPlaceKind.ProductGradient, s.GradientOf[s.GroupOf(leaf).Group.Index], s.GroupOf(leaf).Offset),
                CellOp.State => new CellPlace(CellPlaceKind.Carry, n.Index, 0),
                CellOp.Input => new CellPlace(CellPlaceKind.InputGradient, 0, 0),
                _ => new CellPlace(CellPlaceKind.VectorGradient, n.Index, n.Block),
            };
            double derived = places.TryGetValue(place, out double d) ? d : 0;
            if (n.Op == CellOp.Input && !s.InputElementwise)
            {
                continue;
            }

            const double step = 1e-6;
            var plus = new Dictionary<int, double>(leaves) { [leaf] = value + step };
            var minus = new Dictionary<int, double>(leaves) { [leaf] = value - step };
            double numeric = (Loss(plus) - Loss(minus)) / (2 * step);
            Assert.True(Math.Abs(derived - numeric) <= 1e-6 * Math.Max(1, Math.Abs(numeric)),
                $"{cell.Name}: d(loss)/d(node {leaf}, {n.Op} {cell.Names[leaf]}) derived {derived:R}, central difference {numeric:R}");
        }
    }
}
