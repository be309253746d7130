using System;
using System.Collections.Generic;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// Emits the three matrix products a layer with an N × K weight matrix W (PyTorch layout: row n
/// holds the K weights of output n, contiguous) needs, each specialised for its constant N and K
/// and emitted once per SIMD tier:
/// <list type="bullet">
/// <item><c>Linear</c>: Y = X·Wᵀ + b, the forward projection (dot products along K);</item>
/// <item><c>AccumulateWeightGradient</c>: dW += dYᵀ·X and db += Σ dY (backward, weights);</item>
/// <item><c>AccumulateInputGradient</c>: dX += dY·W (backward, inputs).</item>
/// </list>
/// All three stream along K, the contiguous dimension of both W and the activation rows, so the
/// user-visible PyTorch layout is also the layout the kernels read.
/// </summary>
internal static class MatrixKernelEmitter
{
    /// <summary>Rows of W processed together, so each load of X feeds several accumulators.</summary>
    private const int RowBlock = 4;

    public static string LinearName(int n, int k) => $"Linear_{n}x{k}";

    public static string WeightGradientName(int n, int k) => $"AccumulateWeightGradient_{n}x{k}";

    public static string InputGradientName(int n, int k) => $"AccumulateInputGradient_{n}x{k}";

    public static void Emit(IndentedWriter w, int n, int k)
    {
        EmitDispatcher(w, LinearName(n, k), "ref float x, ref float w, ref float bias, ref float y, int count", "ref x, ref w, ref bias, ref y, count",
            $"y[c, n] = bias[n] + Σ_k x[c, k]·W[n, k] for c &lt; count, with W of shape [{n}, {k}] (row-major, PyTorch layout).");
        foreach (var tier in VectorTier.All)
        {
            EmitLinear(w, tier, n, k);
        }

        EmitDispatcher(w, WeightGradientName(n, k), "ref float dy, ref float x, ref float dw, ref float db, int count", "ref dy, ref x, ref dw, ref db, count",
            $"dW[n, k] += Σ_c dy[c, n]·x[c, k] and db[n] += Σ_c dy[c, n], for W of shape [{n}, {k}].");
        foreach (var tier in VectorTier.All)
        {
            EmitWeightGradient(w, tier, n, k);
        }

        EmitDispatcher(w, InputGradientName(n, k), "ref float dy, ref float w, ref float dx, int count", "ref dy, ref w, ref dx, count",
            $"dx[c, k] += Σ_n dy[c, n]·W[n, k] for c &lt; count, for W of shape [{n}, {k}].");
        foreach (var tier in VectorTier.All)
        {
            EmitInputGradient(w, tier, n, k);
        }
    }

    /// <summary>
    /// The entry point: picks the widest tier the hardware accelerates. IsHardwareAccelerated is a
    /// JIT-time constant, so the untaken branches are removed from the compiled code.
    /// </summary>
    internal static void EmitDispatcher(IndentedWriter w, string name, string parameters, string arguments, string summary)
    {
        w.Line($"/// <summary>{summary}</summary>");
        w.Line(Code.AggressiveInlining);
        using (w.Open($"public static void {name}({parameters})"))
        {
            bool first = true;
            foreach (var tier in VectorTier.All)
            {
                if (tier.IsScalar)
                {
                    w.Line("else");
                    using (w.Scope())
                    {
                        w.Line($"{name}_{tier.Name}({arguments});");
                    }
                }
                else
                {
                    w.Line($"{(first ? "if" : "else if")} ({tier.Condition})");
                    using (w.Scope())
                    {
                        w.Line($"{name}_{tier.Name}({arguments});");
                    }
                }

                first = false;
            }
        }

        w.Line();
    }

    private static void EmitLinear(IndentedWriter w, VectorTier tier, int n, int k)
    {
        var (mainEnd, tail) = tier.Split(k);
        int blockedRows = n - (n % RowBlock);
        w.Line($"private static void {LinearName(n, k)}_{tier.Name}(ref float x, ref float w, ref float bias, ref float y, int count)");
        using (w.Scope())
        {
            using (w.Open("for (int c = 0; c < count; c++)"))
            {
                w.Line($"ref float xRow = {Code.RefAt("x", "c * " + Code.Int(k))};");
                w.Line($"ref float yRow = {Code.RefAt("y", "c * " + Code.Int(n))};");
                if (blockedRows > 0)
                {
                    w.Line($"// {RowBlock} rows of W at a time: each load of x feeds {RowBlock} accumulators.");
                    using (w.Open($"for (int n = 0; n < {Code.Int(blockedRows)}; n += {RowBlock})"))
                    {
                        EmitDotRows(w, tier, RowBlock, k, mainEnd, tail);
                    }
                }

                if (blockedRows < n)
                {
                    using (w.Open($"for (int n = {Code.Int(blockedRows)}; n < {Code.Int(n)}; n++)"))
                    {
                        EmitDotRows(w, tier, 1, k, mainEnd, tail);
                    }
                }
            }
        }

        w.Line();
    }

    /// <summary>y[n + r] = bias[n + r] + W[n + r, :]·x for r &lt; rows.</summary>
    private static void EmitDotRows(IndentedWriter w, VectorTier tier, int rows, int k, int mainEnd, IReadOnlyList<(VectorTier Tier, int Offset)> tail)
    {
        w.Line($"ref float w0 = {Code.RefAt("w", "n * " + Code.Int(k))};");
        for (int r = 1; r < rows; r++)
        {
            w.Line($"ref float w{r} = {Code.RefAt("w0", Code.Int((long)r * k))};");
        }

        if (mainEnd > 0)
        {
            for (int r = 0; r < rows; r++)
            {
                w.Line($"var acc{r} = {tier.Zero};");
            }

            using (w.Open(Code.VectorLoop("i", mainEnd, tier)))
            {
                w.Line($"var xi = {tier.Load("xRow", "i")};");
                for (int r = 0; r < rows; r++)
                {
                    w.Line($"acc{r} = {Code.Simd}.MultiplyAdd({tier.Load("w" + r, "i")}, xi, acc{r});");
                }
            }
        }

        for (int r = 0; r < rows; r++)
        {
            var terms = new List<string>();
            if (mainEnd > 0)
            {
                terms.Add(tier.Sum("acc" + r));
            }

            foreach (var (t, offset) in tail)
            {
                string o = Code.Int(offset);
                terms.Add(t.IsScalar
                    ? $"{t.Load("w" + r, o)} * {t.Load("xRow", o)}"
                    : t.Sum($"{t.Load("w" + r, o)} * {t.Load("xRow", o)}"));
            }

            string index = r == 0 ? "n" : "n + " + Code.Int(r);
            w.Line($"At(ref yRow, {index}) = At(ref bias, {index}) + {string.Join(" + ", terms)};");
        }
    }

    private static void EmitWeightGradient(IndentedWriter w, VectorTier tier, int n, int k)
    {
        int blockedRows = n - (n % RowBlock);
        w.Line($"private static void {WeightGradientName(n, k)}_{tier.Name}(ref float dy, ref float x, ref float dw, ref float db, int count)");
        using (w.Scope())
        {
            if (blockedRows > 0)
            {
                w.Line($"// {RowBlock} rows of dW at a time: each load of x feeds {RowBlock} accumulators.");
                using (w.Open($"for (int n = 0; n < {Code.Int(blockedRows)}; n += {RowBlock})"))
                {
                    EmitWeightGradientRows(w, tier, RowBlock, n, k);
                }
            }

            if (blockedRows < n)
            {
                using (w.Open($"for (int n = {Code.Int(blockedRows)}; n < {Code.Int(n)}; n++)"))
                {
                    EmitWeightGradientRows(w, tier, 1, n, k);
                }
            }
        }

        w.Line();
    }

    /// <summary>dW[n + r, :] += Σ_c dy[c, n + r]·x[c, :] and db[n + r] += Σ_c dy[c, n + r] for r &lt; rows.</summary>
    private static void EmitWeightGradientRows(IndentedWriter w, VectorTier tier, int rows, int n, int k)
    {
        w.Line($"ref float dw0 = {Code.RefAt("dw", "n * " + Code.Int(k))};");
        for (int r = 1; r < rows; r++)
        {
            w.Line($"ref float dw{r} = {Code.RefAt("dw0", Code.Int((long)r * k))};");
        }

        w.Line("ref float dyColumn = ref At(ref dy, n);");
        w.Line("// A block of each dW row stays in a register while every row of x is added into it.");
        Code.OverBlocks(w, tier, k, "i", (t, i) => EmitWeightGradientBlock(w, t, i, rows, n, k));

        for (int r = 0; r < rows; r++)
        {
            w.Line($"float biasSum{r} = 0f;");
        }

        using (w.Open("for (int c = 0; c < count; c++)"))
        {
            w.Line($"ref float dyc = ref At(ref dyColumn, c * {Code.Int(n)});");
            for (int r = 0; r < rows; r++)
            {
                w.Line(r == 0 ? "biasSum0 += dyc;" : $"biasSum{r} += At(ref dyc, {r});");
            }
        }

        for (int r = 0; r < rows; r++)
        {
            w.Line(r == 0 ? "At(ref db, n) += biasSum0;" : $"At(ref db, n + {r}) += biasSum{r};");
        }
    }

    private static void EmitWeightGradientBlock(IndentedWriter w, VectorTier tier, string i, int rows, int n, int k)
    {
        for (int r = 0; r < rows; r++)
        {
            w.Line($"var acc{r} = {tier.Load("dw" + r, i)};");
        }

        using (w.Open("for (int c = 0; c < count; c++)"))
        {
            w.Line($"var xc = {tier.Load("x", $"c * {Code.Int(k)} + {i}")};");
            w.Line($"ref float dyc = ref At(ref dyColumn, c * {Code.Int(n)});");
            for (int r = 0; r < rows; r++)
            {
                string dyValue = tier.Broadcast(r == 0 ? "dyc" : $"At(ref dyc, {r})");
                w.Line($"acc{r} = {Code.Simd}.MultiplyAdd({dyValue}, xc, acc{r});");
            }
        }

        for (int r = 0; r < rows; r++)
        {
            w.Line(tier.Store("acc" + r, "dw" + r, i));
        }
    }

    private static void EmitInputGradient(IndentedWriter w, VectorTier tier, int n, int k)
    {
        w.Line($"private static void {InputGradientName(n, k)}_{tier.Name}(ref float dy, ref float w, ref float dx, int count)");
        using (w.Scope())
        {
            w.Line("int c = 0;");
            w.Line($"// {RowBlock} rows of dx at a time: each load of W feeds {RowBlock} accumulators.");
            using (w.Open($"for (; c + {RowBlock} <= count; c += {RowBlock})"))
            {
                EmitInputGradientRows(w, tier, RowBlock, n, k);
            }

            using (w.Open("for (; c < count; c++)"))
            {
                EmitInputGradientRows(w, tier, 1, n, k);
            }
        }

        w.Line();
    }

    /// <summary>dx[c + r, :] += Σ_n dy[c + r, n]·W[n, :] for r &lt; rows.</summary>
    private static void EmitInputGradientRows(IndentedWriter w, VectorTier tier, int rows, int n, int k)
    {
        w.Line($"ref float dy0 = {Code.RefAt("dy", "c * " + Code.Int(n))};");
        w.Line($"ref float dx0 = {Code.RefAt("dx", "c * " + Code.Int(k))};");
        for (int r = 1; r < rows; r++)
        {
            w.Line($"ref float dy{r} = {Code.RefAt("dy0", Code.Int((long)r * n))};");
            w.Line($"ref float dx{r} = {Code.RefAt("dx0", Code.Int((long)r * k))};");
        }

        w.Line("// A block of each dx row stays in a register while every row of W is added into it.");
        Code.OverBlocks(w, tier, k, "i", (t, i) => EmitInputGradientBlock(w, t, i, rows, n, k));
    }

    private static void EmitInputGradientBlock(IndentedWriter w, VectorTier tier, string i, int rows, int n, int k)
    {
        for (int r = 0; r < rows; r++)
        {
            w.Line($"var acc{r} = {tier.Load("dx" + r, i)};");
        }

        using (w.Open($"for (int n = 0; n < {Code.Int(n)}; n++)"))
        {
            w.Line($"var wn = {tier.Load("w", $"n * {Code.Int(k)} + {i}")};");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"acc{r} = {Code.Simd}.MultiplyAdd({tier.Broadcast($"At(ref dy{r}, n)")}, wn, acc{r});");
            }
        }

        for (int r = 0; r < rows; r++)
        {
            w.Line(tier.Store("acc" + r, "dx" + r, i));
        }
    }
}
