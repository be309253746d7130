using System;
using System.Collections.Generic;
using RnnGen.Generator.Models;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// Emits the element-wise part of each recurrent cell, forward and backward, specialised for the
/// hidden size H: gate pre-activations (input projection + hidden projection) go through their
/// nonlinearities and the state update in one pass, in vector blocks of the tier's width with the
/// last H mod width elements done by narrower tiers at constant offsets.
/// </summary>
/// <remarks>
/// Every kernel takes <c>count</c> rows (batch entries) and row-major arguments. Forward kernels
/// read each state element before they write the same element, so the streaming step can pass
/// the same memory as previous and next state.
/// </remarks>
internal static class CellKernelEmitter
{
    public static string ForwardName(CellKind kind, CellActivation activation, int h) => Prefix(kind, activation) + "Forward_H" + Code.Int(h);

    public static string BackwardName(CellKind kind, CellActivation activation, int h) => Prefix(kind, activation) + "Backward_H" + Code.Int(h);

    public static string ForwardUnitsName(CellKind kind, CellActivation activation, int h) => Prefix(kind, activation) + "ForwardUnits_H" + Code.Int(h);

    /// <summary>
    /// The forward cell of one row restricted to the hidden units [start, end), multiples of 32: the
    /// share of one thread when a layer is split by units. Element-wise, so any split gives the bits of
    /// the whole row.
    /// </summary>
    public static void EmitForwardUnits(IndentedWriter w, CellKind kind, CellActivation activation, int h)
    {
        var (parameters, arguments, summary) = ForwardSignature(kind, activation, h);
        parameters = parameters.Replace(", int count", ", int start, int end");
        arguments = arguments.Replace(", count", ", start, end");
        string name = ForwardUnitsName(kind, activation, h);
        MatrixKernelEmitter.EmitDispatcher(w, name, parameters, arguments, summary.Replace("[count, ", "[") + " One row, the hidden units [start, end) only (multiples of 32).");
        foreach (var tier in VectorTier.All)
        {
            w.Line(Code.AggressiveOptimization);
            w.Line($"private static void {name}_{tier.Name}({parameters})");
            using (w.Scope())
            {
                foreach (string p in RowArguments(kind, isForward: true))
                {
                    w.Line($"ref float {p}Row = ref {p};");
                }

                using (w.Open($"for (int j = start; j < end; j += {Code.Int(tier.Width)})"))
                {
                    EmitForwardBody(w, tier, "j", kind, activation, h);
                }
            }

            w.Line();
        }
    }

    public static void Emit(IndentedWriter w, CellKind kind, CellActivation activation, int h)
    {
        var (fwdParams, fwdArgs, fwdSummary) = ForwardSignature(kind, activation, h);
        MatrixKernelEmitter.EmitDispatcher(w, ForwardName(kind, activation, h), fwdParams, fwdArgs, fwdSummary);
        foreach (var tier in VectorTier.All)
        {
            EmitRows(w, tier, ForwardName(kind, activation, h), fwdParams, kind, h, isForward: true, activation);
        }

        var (bwdParams, bwdArgs, bwdSummary) = BackwardSignature(kind, activation, h);
        MatrixKernelEmitter.EmitDispatcher(w, BackwardName(kind, activation, h), bwdParams, bwdArgs, bwdSummary);
        foreach (var tier in VectorTier.All)
        {
            EmitRows(w, tier, BackwardName(kind, activation, h), bwdParams, kind, h, isForward: false, activation);
        }
    }

    private static string Prefix(CellKind kind, CellActivation activation) => kind switch
    {
        CellKind.Lstm => "Lstm",
        CellKind.Gru => "Gru",
        _ => activation == CellActivation.Relu ? "RnnRelu" : "RnnTanh",
    };

    private static (string Parameters, string Arguments, string Summary) ForwardSignature(CellKind kind, CellActivation activation, int h) => kind switch
    {
        CellKind.Lstm => (
            "ref float gates, ref float hiddenProjection, ref float cPrev, ref float cNext, ref float hNext, ref float tanhC, int count",
            "ref gates, ref hiddenProjection, ref cPrev, ref cNext, ref hNext, ref tanhC, count",
            $"LSTM step for H = {h}: gates [count, 4H] holds x·W_ihᵀ + b_ih on entry and the activations i, f, g, o on exit; hiddenProjection [count, 4H] is h_{{t−1}}·W_hhᵀ + b_hh."),
        CellKind.Gru => (
            "ref float gates, ref float hiddenProjection, ref float hPrev, ref float hNext, ref float hiddenN, int count",
            "ref gates, ref hiddenProjection, ref hPrev, ref hNext, ref hiddenN, count",
            $"GRU step for H = {h}: gates [count, 3H] holds x·W_ihᵀ + b_ih on entry and the activations r, z, n on exit; hiddenProjection [count, 3H] is h_{{t−1}}·W_hhᵀ + b_hh; hiddenN [count, H] keeps W_hn·h_{{t−1}} + b_hn for the backward pass."),
        _ => (
            "ref float inputProjection, ref float hiddenProjection, ref float hNext, int count",
            "ref inputProjection, ref hiddenProjection, ref hNext, count",
            $"Elman RNN step for H = {h}: h_t = {(activation == CellActivation.Relu ? "relu" : "tanh")}(x·W_ihᵀ + b_ih + h_{{t−1}}·W_hhᵀ + b_hh); inputProjection and hNext may be the same memory."),
    };

    private static (string Parameters, string Arguments, string Summary) BackwardSignature(CellKind kind, CellActivation activation, int h) => kind switch
    {
        CellKind.Lstm => (
            "ref float dH, ref float dhNext, ref float dcNext, ref float gates, ref float tanhC, ref float cPrev, ref float dA, int count",
            "ref dH, ref dhNext, ref dcNext, ref gates, ref tanhC, ref cPrev, ref dA, count",
            $"LSTM backward step for H = {h}: from d(loss)/d(h_t) (dH from above plus dhNext from t + 1) and dcNext, writes the pre-activation gradients dA [count, 4H], sets dcNext to d(loss)/d(c_{{t−1}}) and clears dhNext for the W_hhᵀ product."),
        CellKind.Gru => (
            "ref float dH, ref float dhNext, ref float gates, ref float hiddenN, ref float hPrev, ref float dA, ref float dGh, int count",
            "ref dH, ref dhNext, ref gates, ref hiddenN, ref hPrev, ref dA, ref dGh, count",
            $"GRU backward step for H = {h}: writes d(loss)/d(x·W_ihᵀ + b_ih) to dA and d(loss)/d(h·W_hhᵀ + b_hh) to dGh (they differ in the n block, where the reset gate scales the hidden part), and sets dhNext to the direct path z ⊙ dh."),
        _ => (
            "ref float dH, ref float dhNext, ref float h, ref float dA, int count",
            "ref dH, ref dhNext, ref h, ref dA, count",
            $"Elman RNN backward step for H = {h}: dA = dh ⊙ {(activation == CellActivation.Relu ? "[h_t > 0]" : "(1 − h_t²)")}, and clears dhNext for the W_hhᵀ product."),
    };

    private static void EmitRows(IndentedWriter w, VectorTier tier, string name, string parameters, CellKind kind, int h, bool isForward, CellActivation activation)
    {
        int g = kind switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
        w.Line(Code.AggressiveOptimization);
        w.Line($"private static void {name}_{tier.Name}({parameters})");
        using (w.Scope())
        {
            using (w.Open("for (int b = 0; b < count; b++)"))
            {
                // Row references: gate-sized arguments advance by G·H per row, the rest by H.
                foreach (string p in RowArguments(kind, isForward))
                {
                    bool wide = p is "gates" or "hiddenProjection" or "dA" or "dGh";
                    int stride = wide ? g * h : h;
                    w.Line($"ref float {p}Row = {Code.RefAt(p, "b * " + Code.Int(stride))};");
                }

                Code.OverBlocks(w, tier, h, "j", isForward
                    ? (t, j) => EmitForwardBody(w, t, j, kind, activation, h)
                    : (t, j) => EmitBackwardBody(w, t, j, kind, activation, h));
            }
        }

        w.Line();
    }

    private static IEnumerable<string> RowArguments(CellKind kind, bool isForward) => (kind, isForward) switch
    {
        (CellKind.Lstm, true) => ["gates", "hiddenProjection", "cPrev", "cNext", "hNext", "tanhC"],
        (CellKind.Gru, true) => ["gates", "hiddenProjection", "hPrev", "hNext", "hiddenN"],
        (_, true) => ["inputProjection", "hiddenProjection", "hNext"],
        (CellKind.Lstm, false) => ["dH", "dhNext", "dcNext", "gates", "tanhC", "cPrev", "dA"],
        (CellKind.Gru, false) => ["dH", "dhNext", "gates", "hiddenN", "hPrev", "dA", "dGh"],
        _ => ["dH", "dhNext", "h", "dA"],
    };

    private static void EmitForwardBody(IndentedWriter w, VectorTier t, string j, CellKind kind, CellActivation activation, int h)
    {
        string L(string row, int block) => t.Load(row + "Row", Code.Offset((long)block * h, j));
        string S(string value, string row, int block) => t.Store(value, row + "Row", Code.Offset((long)block * h, j));
        string A = Code.Activations;

        switch (kind)
        {
            case CellKind.Lstm:
                w.Line("// i_t = σ(W_ii·x_t + b_ii + W_hi·h_{t−1} + b_hi)");
                w.Line($"var i = {A}.Sigmoid({L("gates", 0)} + {L("hiddenProjection", 0)});");
                w.Line("// f_t = σ(W_if·x_t + b_if + W_hf·h_{t−1} + b_hf)");
                w.Line($"var f = {A}.Sigmoid({L("gates", 1)} + {L("hiddenProjection", 1)});");
                w.Line("// g_t = tanh(W_ig·x_t + b_ig + W_hg·h_{t−1} + b_hg)");
                w.Line($"var g = {A}.Tanh({L("gates", 2)} + {L("hiddenProjection", 2)});");
                w.Line("// o_t = σ(W_io·x_t + b_io + W_ho·h_{t−1} + b_ho)");
                w.Line($"var o = {A}.Sigmoid({L("gates", 3)} + {L("hiddenProjection", 3)});");
                w.Line("// c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t;  h_t = o_t ⊙ tanh(c_t)");
                w.Line($"var c = f * {L("cPrev", 0)} + i * g;");
                w.Line($"var tc = {A}.Tanh(c);");
                w.Line(S("i", "gates", 0));
                w.Line(S("f", "gates", 1));
                w.Line(S("g", "gates", 2));
                w.Line(S("o", "gates", 3));
                w.Line(S("c", "cNext", 0));
                w.Line(S("tc", "tanhC", 0));
                w.Line(S("o * tc", "hNext", 0));
                break;

            case CellKind.Gru:
                w.Line("// r_t = σ(W_ir·x_t + b_ir + W_hr·h_{t−1} + b_hr)");
                w.Line($"var r = {A}.Sigmoid({L("gates", 0)} + {L("hiddenProjection", 0)});");
                w.Line("// z_t = σ(W_iz·x_t + b_iz + W_hz·h_{t−1} + b_hz)");
                w.Line($"var z = {A}.Sigmoid({L("gates", 1)} + {L("hiddenProjection", 1)});");
                w.Line("// n_t = tanh(W_in·x_t + b_in + r_t ⊙ (W_hn·h_{t−1} + b_hn))");
                w.Line($"var hn = {L("hiddenProjection", 2)};");
                w.Line($"var n = {A}.Tanh({L("gates", 2)} + r * hn);");
                w.Line("// h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1} = n_t + z_t ⊙ (h_{t−1} − n_t)");
                w.Line($"var hPrevious = {L("hPrev", 0)};");
                w.Line(S("r", "gates", 0));
                w.Line(S("z", "gates", 1));
                w.Line(S("n", "gates", 2));
                w.Line(S("hn", "hiddenN", 0));
                w.Line(S("n + z * (hPrevious - n)", "hNext", 0));
                break;

            default:
                string f = activation == CellActivation.Relu ? "Relu" : "Tanh";
                w.Line($"// h_t = {f.ToLowerInvariant()}(W_ih·x_t + b_ih + W_hh·h_{{t−1}} + b_hh)");
                w.Line(S($"{A}.{f}({L("inputProjection", 0)} + {L("hiddenProjection", 0)})", "hNext", 0));
                break;
        }
    }

    private static void EmitBackwardBody(IndentedWriter w, VectorTier t, string j, CellKind kind, CellActivation activation, int h)
    {
        string L(string row, int block) => t.Load(row + "Row", Code.Offset((long)block * h, j));
        string S(string value, string row, int block) => t.Store(value, row + "Row", Code.Offset((long)block * h, j));
        string one = t.One;

        w.Line("// dh = ∂L/∂h_t: from the layer above plus from step t + 1");
        w.Line($"var dh = {L("dH", 0)} + {L("dhNext", 0)};");
        switch (kind)
        {
            case CellKind.Lstm:
                w.Line($"var i = {L("gates", 0)};");
                w.Line($"var f = {L("gates", 1)};");
                w.Line($"var g = {L("gates", 2)};");
                w.Line($"var o = {L("gates", 3)};");
                w.Line($"var tc = {L("tanhC", 0)};");
                w.Line("// ∂L/∂c_t = ∂L/∂c_t from step t + 1 + dh ⊙ o_t ⊙ (1 − tanh²(c_t))");
                w.Line($"var dc = {L("dcNext", 0)} + dh * o * ({one} - tc * tc);");
                w.Line("// pre-activation gradients, with σ' = σ(1 − σ) and tanh' = 1 − tanh²");
                w.Line(S($"dc * g * i * ({one} - i)", "dA", 0));
                w.Line(S($"dc * {L("cPrev", 0)} * f * ({one} - f)", "dA", 1));
                w.Line(S($"dc * i * ({one} - g * g)", "dA", 2));
                w.Line(S($"dh * tc * o * ({one} - o)", "dA", 3));
                w.Line("// ∂L/∂c_{t−1} = dc ⊙ f_t; ∂L/∂h_{t−1} is accumulated by the W_hhᵀ product that follows");
                w.Line(S("dc * f", "dcNext", 0));
                w.Line(S(t.Zero, "dhNext", 0));
                break;

            case CellKind.Gru:
                w.Line($"var r = {L("gates", 0)};");
                w.Line($"var z = {L("gates", 1)};");
                w.Line($"var n = {L("gates", 2)};");
                w.Line($"var hn = {L("hiddenN", 0)};");
                w.Line("// through h_t = n_t + z_t ⊙ (h_{t−1} − n_t) and n_t = tanh(a_n + r_t ⊙ hn)");
                w.Line($"var dan = dh * ({one} - z) * ({one} - n * n);");
                w.Line($"var daz = dh * ({L("hPrev", 0)} - n) * z * ({one} - z);");
                w.Line($"var dar = dan * hn * r * ({one} - r);");
                w.Line(S("dar", "dA", 0));
                w.Line(S("daz", "dA", 1));
                w.Line(S("dan", "dA", 2));
                w.Line(S("dar", "dGh", 0));
                w.Line(S("daz", "dGh", 1));
                w.Line("// the reset gate scales the hidden part of n: ∂L/∂hn = ∂L/∂a_n ⊙ r_t");
                w.Line(S("dan * r", "dGh", 2));
                w.Line("// the direct path h_{t−1} → h_t; the W_hhᵀ product that follows adds the rest");
                w.Line(S("dh * z", "dhNext", 0));
                break;

            default:
                if (activation == CellActivation.Relu)
                {
                    w.Line("// relu'(a) = [h_t > 0]");
                    w.Line(S(t.SelectPositive(L("h", 0), "dh"), "dA", 0));
                }
                else
                {
                    w.Line("// tanh'(a) = 1 − h_t²");
                    w.Line($"var hv = {L("h", 0)};");
                    w.Line(S($"dh * ({one} - hv * hv)", "dA", 0));
                }

                w.Line(S(t.Zero, "dhNext", 0));
                break;
        }
    }
}
