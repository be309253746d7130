using RnnGen.Generator.Models;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// A conditioned model ([Condition]): the initial state of every layer computed from a
/// per-sequence vector, h₀ = tanh(W_h·c + b_h) and c₀ = W_c·c + b_c, forward and backward.
/// </summary>
internal static partial class ModelEmitter
{
    private static void EmitConditionApi(IndentedWriter w, ModelPlan plan)
    {
        var condition = plan.Spec.Condition;
        int f = condition?.Features ?? 0;
        w.Line(condition is null
            ? "/// <summary>The size of the conditioning vector: 0, since this model has no [Condition].</summary>"
            : "/// <summary>The size of the conditioning vector that sets every layer's initial state.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public const int ConditionSize = {Code.Int(f)};");
        w.Line();
        w.Line($"int {Rt}IRnnModel.ConditionSize => ConditionSize;");
        w.Line();
        w.Line("/// <summary>");
        w.Line(condition is null
            ? "/// The conditioning vectors: empty, since this model has no [Condition]."
            : "/// The conditioning vector of every sequence, [BatchSize, ConditionSize], readable and writable: each forward pass sets every layer's initial state from it (h₀ = tanh(W_h·c + b_h), and c₀ = W_c·c + b_c for LSTMs), so <see cref=\"InitialHidden\"/> shows the computed state. Zero until set; kept across calls.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line(condition is null
            ? $"public {Sys}Span<float> Conditions => {Sys}Span<float>.Empty;"
            : $"public {Sys}Span<float> Conditions {{ get {{ ThrowIfDisposed(); return _activations.AsSpan(Layout.Cond, BatchSize * ConditionSize); }} }}");
        w.Line();
        w.Line("/// <summary>");
        w.Line(condition is null
            ? "/// d(loss)/d(conditioning vectors): empty, since this model has no [Condition]."
            : "/// d(loss)/d(<see cref=\"Conditions\"/>), [BatchSize, ConditionSize], left by the most recent TrainStep or Backward: the gradient to pass to whatever produced the conditioning vectors.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line(condition is null
            ? $"public {Sys}ReadOnlySpan<float> ConditionGradient => {Sys}ReadOnlySpan<float>.Empty;"
            : $"public {Sys}ReadOnlySpan<float> ConditionGradient {{ get {{ ThrowIfDisposed(); return _activations.AsSpan(Layout.DCond, BatchSize * ConditionSize); }} }}");
        w.Line();
        if (condition is null)
        {
            return;
        }

        w.Line("/// <summary>");
        w.Line("/// Sets a stream's state to the initial state computed from one conditioning vector, as every");
        w.Line($"/// forward pass does for its sequences: streaming <see cref=\"{StepCref(plan)}\"/> from it reproduces Forward.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"state\">The stream's state, from <see cref=\"NewState\"/>.</param>");
        w.Line("/// <param name=\"condition\">ConditionSize values.</param>");
        w.Line(GeneratedCode);
        using (w.Open($"public void InitialiseState(State state, {Sys}ReadOnlySpan<float> condition)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line($"{Sys}ArgumentNullException.ThrowIfNull(state);");
            w.Line("state.ThrowIfDisposed();");
            w.Line("if (condition.Length != ConditionSize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"condition must hold ConditionSize = {{ConditionSize}} floats, but holds {{condition.Length}}.\", \"condition\");");
            }

            w.Line($"int bad = {Rt}Numerics.Finite.IndexOfNonFinite(condition);");
            w.Line("if (bad >= 0)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"condition[{{bad}}] is {{condition[bad].ToString({Sys}Globalization.CultureInfo.InvariantCulture)}}; conditioning vectors must be finite.\", \"condition\");");
            }

            w.Line();
            w.Line("EnsurePacked();");
            w.Line("state.Buffer.Clear();");
            w.Line("ref float p = ref _parameters.Reference;");
            w.Line("ref float q = ref _packed.Reference;");
            w.Line("ref float s = ref state.Buffer.Reference;");
            w.Line($"ref float c = ref {Sys}Runtime.InteropServices.MemoryMarshal.GetReference(condition);");
            EmitConditionRows(w, plan, f, "state.Buffer", stage => $"Layout.{stage.StateH.Name}", stage => $"Layout.{stage.StateC!.Name}");
            KeepAlive(w, "state", "this");
        }

        w.Line();
    }

    /// <summary>
    /// Every layer's initial state from one conditioning vector (ref c): h₀ = tanh(W_h·c + b_h), and
    /// c₀ = W_c·c + b_c for LSTMs, written into <paramref name="buffer"/> (whose Reference is ref s) at
    /// the offsets the callbacks give. InitialiseState and InitialiseStream share it.
    /// </summary>
    private static void EmitConditionRows(IndentedWriter w, ModelPlan plan, int f, string buffer, System.Func<StagePlan, string> hOffset, System.Func<StagePlan, string> cOffset)
    {
        foreach (var stage in plan.Stages)
        {
            int h = stage.Hidden;
            w.Line($"// {stage.Title}: h₀ = tanh(W_h·c + b_h)" + (stage.C is not null ? ", c₀ = W_c·c + b_c" : ""));
            w.Line($"Kernels.{MatrixKernelEmitter.LinearName(h, f)}(ref c, {U("q", "Layout." + stage.PackedConditionH!.Name)}, {U("p", P(stage.ConditionBiasH!))}, {U("s", hOffset(stage))}, 1);");
            w.Line($"TanhInPlace({buffer}.AsSpan({hOffset(stage)}, {Code.Int(h)}));");
            if (stage.C is not null)
            {
                w.Line($"Kernels.{MatrixKernelEmitter.LinearName(stage.CWidth, f)}(ref c, {U("q", "Layout." + stage.PackedConditionC!.Name)}, {U("p", P(stage.ConditionBiasC!))}, {U("s", cOffset(stage))}, 1);");
            }
        }
    }

    /// <summary>ConditionForward: every layer's initial state from the conditioning vectors, before the forward pass.</summary>
    private static void EmitConditionForward(IndentedWriter w, ModelPlan plan)
    {
        var condition = plan.Spec.Condition!;
        int f = condition.Features;
        w.Line("/// <summary>Every layer's initial state from the conditioning vectors: h₀ = tanh(C·W_hᵀ + b_h), c₀ = C·W_cᵀ + b_c.</summary>");
        using (w.Open("private void ConditionForward()"))
        {
            w.Line("ref float p = ref _parameters.Reference;");
            w.Line("ref float q = ref _packed.Reference;");
            w.Line("ref float a = ref _activations.Reference;");
            foreach (var stage in plan.Stages)
            {
                int h = stage.Hidden;
                w.Line($"Kernels.{MatrixKernelEmitter.LinearName(h, f)}({U("a", "Layout.Cond")}, {U("q", "Layout." + stage.PackedConditionH!.Name)}, {U("p", P(stage.ConditionBiasH!))}, {U("a", "Layout." + stage.H0.Name)}, BatchSize);");
                w.Line($"TanhInPlace(_activations.AsSpan(Layout.{stage.H0.Name}, BatchSize * {Code.Int(h)}));");
                if (stage.C is not null)
                {
                    w.Line($"Kernels.{MatrixKernelEmitter.LinearName(stage.CWidth, f)}({U("a", "Layout.Cond")}, {U("q", "Layout." + stage.PackedConditionC!.Name)}, {U("p", P(stage.ConditionBiasC!))}, {U("a", "Layout." + stage.C0!.Name)}, BatchSize);");
                }
            }
        }

        w.Line();
        w.Line("/// <summary>x ← tanh(x), element by element (the same scalar function in Forward and InitialiseState).</summary>");
        using (w.Open($"private static void TanhInPlace({Sys}Span<float> values)"))
        {
            using (w.Open("for (int i = 0; i < values.Length; i++)"))
            {
                w.Line($"values[i] = {Code.Activations}.{Code.Tanh(plan.Spec.RationalActivations)}(values[i]);");
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Backpropagation into the condition projections, after the layers have left d(loss)/d(h₀) and");
        w.Line("/// d(loss)/d(c₀): dZ = dh₀ ⊙ (1 − h₀²); dW_h += dZᵀ·C, db_h += Σ dZ, dW_c += dc₀ᵀ·C, db_c += Σ dc₀,");
        w.Line("/// and d(loss)/dC = Σ over layers of dZ·W_h + dc₀·W_c.");
        w.Line("/// </summary>");
        using (w.Open("private void ConditionBackward()"))
        {
            w.Line("ref float p = ref _parameters.Reference;");
            w.Line("ref float g = ref _gradients.Reference;");
            w.Line("ref float a = ref _activations.Reference;");
            w.Line("_activations.AsSpan(Layout.DCond, BatchSize * ConditionSize).Clear();");
            foreach (var stage in plan.Stages)
            {
                int h = stage.Hidden;
                w.Line($"// {stage.Title}");
                using (w.Scope())
                {
                    w.Line($"var h0 = _activations.AsSpan(Layout.{stage.H0.Name}, BatchSize * {Code.Int(h)});");
                    w.Line($"var dh0 = _activations.AsSpan(Layout.{stage.DH0.Name}, BatchSize * {Code.Int(h)});");
                    w.Line($"var dz = _activations.AsSpan(Layout.{stage.DZ0!.Name}, BatchSize * {Code.Int(h)});");
                    using (w.Open("for (int i = 0; i < h0.Length; i++)"))
                    {
                        w.Line("dz[i] = dh0[i] * (1f - (h0[i] * h0[i]));");
                    }

                    w.Line($"Kernels.{MatrixKernelEmitter.WeightGradientName(h, f)}({U("a", "Layout." + stage.DZ0.Name)}, {U("a", "Layout.Cond")}, {U("g", P(stage.ConditionWeightH!))}, {U("g", P(stage.ConditionBiasH!))}, BatchSize, {Code.Int(h)});");
                    w.Line($"Kernels.{MatrixKernelEmitter.InputGradientName(h, f)}({U("a", "Layout." + stage.DZ0.Name)}, {U("p", P(stage.ConditionWeightH!))}, {U("a", "Layout.DCond")}, BatchSize);");
                    if (stage.C is not null)
                    {
                        w.Line($"Kernels.{MatrixKernelEmitter.WeightGradientName(stage.CWidth, f)}({U("a", "Layout." + stage.DC0!.Name)}, {U("a", "Layout.Cond")}, {U("g", P(stage.ConditionWeightC!))}, {U("g", P(stage.ConditionBiasC!))}, BatchSize, {Code.Int(stage.CWidth)});");
                        w.Line($"Kernels.{MatrixKernelEmitter.InputGradientName(stage.CWidth, f)}({U("a", "Layout." + stage.DC0.Name)}, {U("p", P(stage.ConditionWeightC!))}, {U("a", "Layout.DCond")}, BatchSize);");
                    }
                }
            }
        }

        w.Line();
    }
}
