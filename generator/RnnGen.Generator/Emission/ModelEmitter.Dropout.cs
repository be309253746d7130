using System.Globalization;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// Dropout ([Dropout], and a recurrent attribute's Dropout between its stacked layers): the values a
/// layer reads from the layer below (or the head from the top layer) are X̃ = X ⊙ M in a pass that
/// drops, with M = 0 or 1/(1 − p) drawn per value from RnnGen.DropoutMask, and X̃ = X otherwise. The
/// consumers read X̃ (its own region) in the forward pass and in their weight gradients, and the
/// gradient they send down is multiplied by M. The recurrences themselves never drop.
/// </summary>
internal static partial class ModelEmitter
{
    private static void EmitDropoutApi(IndentedWriter w, ModelPlan plan)
    {
        if (!plan.HasDropout)
        {
            return;
        }

        w.Line("/// <inheritdoc/>");
        w.Line(GeneratedCode);
        w.Line("public bool Training { get; set; }");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line(GeneratedCode);
        w.Line("public ulong DropoutSeed { get; set; }");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"/// <exception cref=\"{Sys}ArgumentOutOfRangeException\">The value is negative.</exception>");
        w.Line(GeneratedCode);
        using (w.Open("public long DropoutPasses"))
        {
            w.Line("get => _dropoutPasses;");
            w.Line("set");
            using (w.Scope())
            {
                w.Line("if (value < 0)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"value\", value, \"DropoutPasses must not be negative.\");");
                }

                w.Line();
                w.Line("_dropoutPasses = value;");
            }
        }

        w.Line();
        w.Line("private long _dropoutPasses;");
        w.Line("/// <summary>Whether the most recent pass dropped (so its backward pass applies the masks).</summary>");
        w.Line("private bool _dropping;");
        w.Line("/// <summary>The number of the most recent pass that dropped: its masks' pass in DropoutMask.Key.</summary>");
        w.Line("private long _dropoutPass;");
        w.Line();
        w.Line("/// <summary>Starts a forward pass, with or without dropout; a pass that drops takes the next pass number.</summary>");
        using (w.Open("private void BeginDropout(bool dropout)"))
        {
            w.Line("_dropping = dropout;");
            w.Line("if (dropout)");
            using (w.Scope())
            {
                w.Line("_dropoutPass = _dropoutPasses;");
                w.Line("_dropoutPasses++;");
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Rows [r0, r0 + rows) of a dropout site of <paramref name=\"width\"/> values per row: X̃ = X ⊙ M in a pass");
        w.Line("/// that drops (M drawn from the pass's key and each value's position in the site), X̃ = X otherwise.");
        w.Line("/// </summary>");
        using (w.Open("private void DropoutRows(int site, uint threshold, float scale, int source, int values, int mask, int width, int r0, int rows)"))
        {
            w.Line($"var x = _activations.AsSpan(source + (r0 * width), rows * width);");
            w.Line($"var dropped = _activations.AsSpan(values + (r0 * width), rows * width);");
            w.Line("if (_dropping)");
            using (w.Scope())
            {
                w.Line($"ulong key = {Rt}DropoutMask.Key(DropoutSeed, _dropoutPass, site);");
                w.Line($"{Rt}DropoutMask.Apply(key, (long)r0 * width, threshold, scale, x, _activations.AsSpan(mask + (r0 * width), rows * width), dropped);");
            }

            w.Line("else");
            using (w.Scope())
            {
                w.Line("x.CopyTo(dropped);");
            }
        }

        w.Line();
        w.Line("/// <summary>Rows [r0, r0 + rows) of a dropout site's gradient: ∂L/∂X = ∂L/∂X̃ ⊙ M if the pass dropped (else X̃ = X).</summary>");
        using (w.Open("private void DropoutRowsBackward(int mask, int gradient, int width, int r0, int rows)"))
        {
            w.Line("if (_dropping)");
            using (w.Scope())
            {
                w.Line($"{Rt}DropoutMask.Backward(_activations.AsSpan(mask + (r0 * width), rows * width), _activations.AsSpan(gradient + (r0 * width), rows * width));");
            }
        }

        w.Line();
    }

    /// <summary>"DropoutRows(…)" for rows r0 … r0 + rows of a site whose values come from <paramref name="source"/>.</summary>
    private static void EmitDropoutRows(IndentedWriter w, DropoutPlan d, string source, string what, string start = "r0", string count = "rows")
    {
        w.Line($"// Dropout on {what} (p = {d.Probability.ToString("R", CultureInfo.InvariantCulture)}): X̃ = X ⊙ M, M = 0 or 1/(1 − p), in a pass that drops; X̃ = X otherwise.");
        w.Line($"DropoutRows({Code.Int(d.Site)}, {Code.Int(d.Threshold)}u, {Code.Float(d.Scale)}, {source}, Layout.{d.Values.Name}, Layout.{d.Mask.Name}, {Code.Int(d.Width)}, {start}, {count});");
    }

    /// <summary>The base offset of the T·B rows of the top layer's outputs as the head reads them (after dropout).</summary>
    private static string HeadSource(ModelPlan plan) =>
        plan.HeadDropout is { } d ? "Layout." + d.Values.Name : HRows(plan, plan.Stages[plan.Stages.Count - 1], "BatchSize");

    /// <summary>The offset of row <paramref name="row"/> (a T·B row index) of the top layer's outputs as the head reads them.</summary>
    private static string HeadSourceRow(ModelPlan plan, string row) =>
        plan.HeadDropout is { } d
            ? $"Layout.{d.Values.Name} + ({row} * {Code.Int(d.Width)})"
            : HRows(plan, plan.Stages[plan.Stages.Count - 1], $"({row} + BatchSize)");

    /// <summary>The head's dropout, right after the top layer's forward pass: a share of the T·B rows each, then a barrier.</summary>
    private static void EmitHeadDropoutForward(IndentedWriter w, ModelPlan plan)
    {
        if (plan.HeadDropout is not { } d)
        {
            return;
        }

        var top = plan.Stages[plan.Stages.Count - 1];
        Share(w, "d0", "dropRows", "SequenceLength * BatchSize", 4);
        EmitDropoutRows(w, d, HRows(plan, top, "BatchSize"), "the top layer's outputs, which the " + (plan.Spec.Attention is null ? "head reads" : "attention and the head read"), "d0", "dropRows");

        w.Line("Barrier();");
        w.Line();
    }

    /// <summary>The head's dropout backward, once the head (and attention) have written the top layer's ∂L/∂H̃.</summary>
    private static void EmitHeadDropoutBackward(IndentedWriter w, ModelPlan plan)
    {
        if (plan.HeadDropout is not { } d)
        {
            return;
        }

        var top = plan.Stages[plan.Stages.Count - 1];
        w.Line("Barrier();");
        w.Line("// Dropout on the top layer's outputs: ∂L/∂H = ∂L/∂H̃ ⊙ M, a share of the T·B rows each.");
        Share(w, "d0", "dropRows", "SequenceLength * BatchSize", 4);
        w.Line($"DropoutRowsBackward(Layout.{d.Mask.Name}, Layout.{top.DH.Name}, {Code.Int(d.Width)}, d0, dropRows);");
    }
}
