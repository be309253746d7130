using System.Collections.Generic;

namespace RnnGen.Generator.Cells;

/// <summary>The operation of one expression of a backward pass.</summary>
internal enum AdjointOp
{
    /// <summary>The forward value of node <see cref="AdjointExpr.Node"/>.</summary>
    Forward,

    /// <summary>An adjoint that comes into the kernel: <see cref="AdjointExpr.Seed"/> names it.</summary>
    Seed,

    Constant,
    Add,
    Subtract,
    Multiply,
    Divide,
    Negate,
    Abs,

    /// <summary>A &gt; 0 ? B : 0, lane by lane.</summary>
    SelectPositive,

    /// <summary>−3 &lt; A &lt; 3 ? B : 0, lane by lane (hard sigmoid's slope region).</summary>
    SelectInside3,
}

/// <summary>One expression of a backward pass: operands are indices into the same <see cref="AdjointGraph"/>.</summary>
internal sealed record AdjointExpr(AdjointOp Op, int A = -1, int B = -1, int Node = -1, CellSeed? Seed = null, float Constant = 0f);

/// <summary>Where an incoming adjoint lives.</summary>
internal enum CellSeedKind
{
    /// <summary>d(loss)/d(h_t) from above (the output state only).</summary>
    FromAbove,

    /// <summary>The adjoint of state Index's new value, carried back from step t + 1.</summary>
    Carry,

    /// <summary>The adjoint of materialised node Index, accumulated by later phases and products.</summary>
    Value,
}

internal sealed record CellSeed(CellSeedKind Kind, int Index);

/// <summary>The expressions of a cell's backward pass, shared by all its phases.</summary>
internal sealed class AdjointGraph
{
    private readonly List<AdjointExpr> _exprs = new();
    private readonly Dictionary<AdjointExpr, int> _index = new();

    public IReadOnlyList<AdjointExpr> Exprs => _exprs;

    /// <summary>Adds an expression, sharing identical ones, so equal adjoints have equal indices.</summary>
    public int Add(AdjointExpr expr)
    {
        if (_index.TryGetValue(expr, out int existing))
        {
            return existing;
        }

        _exprs.Add(expr);
        _index[expr] = _exprs.Count - 1;
        return _exprs.Count - 1;
    }

    public int Forward(int node) => Add(new AdjointExpr(AdjointOp.Forward, Node: node));

    public int Seed(CellSeed seed) => Add(new AdjointExpr(AdjointOp.Seed, Seed: seed));

    public int Constant(float value) => Add(new AdjointExpr(AdjointOp.Constant, Constant: value));

    public int Binary(AdjointOp op, int a, int b) => Add(new AdjointExpr(op, a, b));

    public int Unary(AdjointOp op, int a) => Add(new AdjointExpr(op, a));
}

/// <summary>
/// Reverse-mode differentiation of a cell's step at generation time (docs/cells.md, Differentiation):
/// given the adjoints that come into a phase, the adjoint of every value the phase reads.
/// </summary>
internal static class Differentiation
{
    /// <summary>
    /// Propagates <paramref name="adjoints"/> (seeded with the incoming adjoints) backwards through
    /// <paramref name="inner"/>, the phase's computed nodes in topological order. On return it holds the
    /// adjoint of every node the phase reads, leaves and values of earlier phases included. Contributions
    /// are added in reverse topological order after the seed, so a value's adjoint is
    /// seed + Σ (users' contributions, last user first).
    /// </summary>
    public static void Propagate(CellDefinition cell, AdjointGraph graph, IReadOnlyList<int> inner, Dictionary<int, int> adjoints)
    {
        var nodes = cell.Nodes;
        void Accumulate(int node, int contribution, bool negate = false)
        {
            if (nodes[node].Op == CellOp.Constant)
            {
                return;
            }

            if (adjoints.TryGetValue(node, out int existing))
            {
                adjoints[node] = graph.Binary(negate ? AdjointOp.Subtract : AdjointOp.Add, existing, contribution);
            }
            else
            {
                adjoints[node] = negate ? graph.Unary(AdjointOp.Negate, contribution) : contribution;
            }
        }

        int F(int node) => graph.Forward(node);
        int One() => graph.Constant(1f);

        for (int i = inner.Count - 1; i >= 0; i--)
        {
            int id = inner[i];
            if (!adjoints.TryGetValue(id, out int d))
            {
                continue;
            }

            var n = nodes[id];
            switch (n.Op)
            {
                case CellOp.Add:
                    Accumulate(n.A, d);
                    Accumulate(n.B, d);
                    break;
                case CellOp.Subtract:
                    Accumulate(n.A, d);
                    Accumulate(n.B, d, negate: true);
                    break;
                case CellOp.Multiply:
                    // d(a·b) = d·b da + d·a db; a constant factor gets no adjoint.
                    Accumulate(n.A, graph.Binary(AdjointOp.Multiply, d, F(n.B)));
                    Accumulate(n.B, graph.Binary(AdjointOp.Multiply, d, F(n.A)));
                    break;
                case CellOp.Negate:
                    Accumulate(n.A, d, negate: true);
                    break;
                case CellOp.Sigmoid:
                    // σ' = y(1 − y), written d·y·(1 − y) from left to right
                    Accumulate(n.A, graph.Binary(AdjointOp.Multiply, graph.Binary(AdjointOp.Multiply, d, F(id)), graph.Binary(AdjointOp.Subtract, One(), F(id))));
                    break;
                case CellOp.Tanh:
                    // tanh' = 1 − y²
                    Accumulate(n.A, graph.Binary(AdjointOp.Multiply, d, graph.Binary(AdjointOp.Subtract, One(), graph.Binary(AdjointOp.Multiply, F(id), F(id)))));
                    break;
                case CellOp.Relu:
                    // relu' = [y > 0]
                    Accumulate(n.A, graph.Binary(AdjointOp.SelectPositive, F(id), d));
                    break;
                case CellOp.Exp:
                    Accumulate(n.A, graph.Binary(AdjointOp.Multiply, d, F(id)));
                    break;
                case CellOp.Softsign:
                {
                    // softsign' = 1 / (1 + |a|)²
                    int s = graph.Binary(AdjointOp.Add, One(), graph.Unary(AdjointOp.Abs, F(n.A)));
                    Accumulate(n.A, graph.Binary(AdjointOp.Divide, d, graph.Binary(AdjointOp.Multiply, s, s)));
                    break;
                }

                case CellOp.HardSigmoid:
                    // hardsigmoid(a) = clamp(a / 6 + 1/2, 0, 1): slope 1/6 inside (−3, 3)
                    Accumulate(n.A, graph.Binary(AdjointOp.SelectInside3, F(n.A), graph.Binary(AdjointOp.Multiply, d, graph.Constant(1f / 6f))));
                    break;
            }
        }
    }
}
