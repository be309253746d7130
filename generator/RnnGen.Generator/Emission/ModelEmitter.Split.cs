using RnnGen.Generator.Models;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// Recurrent layers split by hidden units between the team's threads, for work that has a single
/// row: the single-stream <c>Step</c> and <c>Forward</c>'s recurrence at batch size 1. Each thread
/// owns whole panels of 32 units of every layer: it computes their columns of both projections
/// (every gate's block), their part of the cell, and so reads only its rows of each weight matrix.
/// The weights of a layer are then read from every core's cache at once, which is what bounds a
/// batch-1 step once they no longer fit in one core's L1.
/// </summary>
/// <remarks>
/// Each element is computed by the same kernel chain as on one thread (the products are never split
/// along their reduction), so the results are bit for bit those of one thread.
/// </remarks>
internal static partial class ModelEmitter
{
    /// <summary>The offset of a layer's new h, <paramref name="offset"/> floats into StepNewH.</summary>
    private static string NewH(long offset) => offset == 0 ? "Layout.StepNewH" : $"Layout.StepNewH + {Code.Int(offset)}";

    /// <summary>
    /// u0, u1 = this participant's share of <paramref name="units"/> units, unless they already hold the
    /// share of that many (<paramref name="shared"/>); returns the count they now hold the share of.
    /// </summary>
    private static int EmitUnitShare(IndentedWriter w, int units, int shared)
    {
        if (units != shared)
        {
            EmitShareBounds(w, Code.Int(units), "");
        }

        return units;
    }

    /// <summary>u0, u1 = this participant's share of <paramref name="units"/>, in whole panels (<paramref name="declare"/>: "int " to declare them).</summary>
    private static void EmitShareBounds(IndentedWriter w, string units, string declare)
    {
        w.Line($"{declare}u0 = ShareStart({units}, worker, workers, {Code.Int(ModelPlan.UnitShare)});");
        w.Line($"{declare}u1 = ShareStart({units}, worker + 1, workers, {Code.Int(ModelPlan.UnitShare)});");
    }

    /// <summary>The fields the split Step's team body reads.</summary>
    private static void EmitSplitStepFields(IndentedWriter w, ModelPlan plan)
    {
        if (!plan.SplitsStep)
        {
            return;
        }

        w.Line("private readonly global::System.Action<int> _stepBody;");
        w.Line("/// <summary>The state a split Step is advancing, for the team's participants; null between calls.</summary>");
        w.Line("private State? _steppingState;");
        if (plan.Spec.Input.IsEmbedding)
        {
            w.Line("/// <summary>The input token of the split Step in progress.</summary>");
            w.Line("private int _steppingToken;");
        }
    }

    /// <summary>Step's branch to the team: copies what the participants read, runs them, copies the outputs back.</summary>
    private static void EmitSplitStepCall(IndentedWriter w, ModelPlan plan)
    {
        if (!plan.SplitsStep)
        {
            return;
        }

        w.Line("if (_team is not null)");
        using (w.Scope())
        {
            w.Line("// Split by hidden units: each thread computes its units of every layer and its share of the");
            w.Line("// outputs from its own rows of the weights, so the weights are read from every core's cache at once.");
            w.Line(plan.Spec.Input.IsEmbedding
                ? "_steppingToken = token;"
                : "input.CopyTo(_stepScratch.AsSpan(Layout.StepInput, InputSize));");
            w.Line("_steppingState = state;");
            w.Line("try");
            using (w.Scope())
            {
                w.Line("_team.Run(_stepBody);");
            }

            w.Line("finally");
            using (w.Scope())
            {
                w.Line("_steppingState = null;");
            }

            w.Line();
            w.Line("_stepScratch.AsSpan(Layout.StepOutput, OutputSize).CopyTo(output);");
            KeepAlive(w, "state", "this");
            w.Line("return;");
        }

        w.Line();
    }

    /// <summary>The split Step's team body: every layer by units, a barrier after each, then the head by outputs.</summary>
    private static void EmitSplitStepBody(IndentedWriter w, ModelPlan plan)
    {
        if (!plan.SplitsStep)
        {
            return;
        }

        w.Line("/// <summary>");
        w.Line("/// One participant's share of a split Step: for every layer, the hidden units [u0, u1) (whole panels");
        w.Line("/// of 32): their columns of both projections and their part of the cell, writing the new h to StepNewH");
        w.Line("/// (the other participants still read the old h in the state) and c in place; then its share of the");
        w.Line("/// outputs, and last its units of the new h into the state.");
        w.Line("/// </summary>");
        using (w.Open("private void StepBody(int worker)"))
        {
            w.Line("var state = _steppingState!;");
            w.Line("int workers = _team!.Count;");
            w.Line("ref float p = ref _parameters.Reference;");
            w.Line("ref float q = ref _packed.Reference;");
            w.Line("ref float s = ref state.Buffer.Reference;");
            w.Line("ref float scratch = ref _stepScratch.Reference;");
            if (plan.Spec.Input.IsEmbedding)
            {
                w.Line("// x = E[token]: the embedding row is read in place");
                w.Line($"ref float x = {U("p", $"{P(plan.EmbeddingWeight!)} + (_steppingToken * {Code.Int(plan.Spec.Input.Features)})")};");
            }
            else
            {
                w.Line("// x = the caller's features, copied by Step");
                w.Line($"ref float x = {U("scratch", "Layout.StepInput")};");
            }

            w.Line("int u0, u1;");
            string gates = U("scratch", "Layout.StepGates");
            string projection = U("scratch", "Layout.StepHiddenProjection");
            string temp = U("scratch", "Layout.StepTemp");
            long offset = 0;
            int shared = 0;
            foreach (var stage in plan.Stages)
            {
                int g = stage.GateWidth / stage.Hidden;
                w.Line();
                w.Line($"// {stage.Title}: units [u0, u1) of both projections and of the cell");
                shared = EmitUnitShare(w, stage.Hidden, shared);
                string input = stage.Index == 0 ? "ref x" : U("scratch", NewH(offset - plan.Stages[stage.Index - 1].Hidden));
                string previous = U("s", "Layout." + stage.StateH.Name);
                string h = U("scratch", NewH(offset));
                w.Line($"Kernels.{MatrixKernelEmitter.UnitsName(g, stage.Hidden, stage.InputSize)}({input}, {U("q", "Layout." + stage.PackedIh.Name)}, {U("p", P(stage.BiasIh))}, {gates}, u0, u1);");
                w.Line($"Kernels.{MatrixKernelEmitter.UnitsName(g, stage.Hidden, stage.Hidden)}({previous}, {U("q", "Layout." + stage.PackedHh.Name)}, {U("p", P(stage.BiasHh))}, {projection}, u0, u1);");
                string cell = "Kernels." + CellKernelEmitter.ForwardUnitsName(stage.Kind, stage.Activation, stage.Hidden);
                switch (stage.Kind)
                {
                    case CellKind.Lstm:
                        string c = U("s", "Layout." + stage.StateC!.Name);
                        w.Line($"{cell}({gates}, {projection}, {c}, {c}, {h}, {temp}, u0, u1);");
                        break;
                    case CellKind.Gru:
                        w.Line($"{cell}({gates}, {projection}, {previous}, {h}, {temp}, u0, u1);");
                        break;
                    default:
                        w.Line($"{cell}({gates}, {projection}, {h}, u0, u1);");
                        break;
                }

                w.Line(stage.Index + 1 < plan.Stages.Count ? "// The layer above reads all of the new h." : "// The head reads all of the new h.");
                w.Line("Barrier();");
                offset += stage.Hidden;
            }

            w.Line();
            w.Line("// output = h·W_denseᵀ + b_dense: this participant's share of the outputs");
            EmitShareBounds(w, "OutputSize", "");
            w.Line($"Kernels.{MatrixKernelEmitter.UnitsName(1, plan.Outputs, plan.HeadInputSize)}({U("scratch", NewH(offset - plan.Stages[plan.Stages.Count - 1].Hidden))}, {U("q", "Layout." + plan.PackedDense.Name)}, {U("p", P(plan.DenseBias))}, {U("scratch", "Layout.StepOutput")}, u0, u1);");
            w.Line();
            w.Line("// Every participant has read the old h (the last barrier is behind): this participant's units of the new h into the state.");
            offset = 0;
            shared = 0;
            foreach (var stage in plan.Stages)
            {
                shared = EmitUnitShare(w, stage.Hidden, shared);
                w.Line($"_stepScratch.AsSpan({NewH(offset)} + u0, u1 - u0).CopyTo(state.Buffer.AsSpan(Layout.{stage.StateH.Name} + u0, u1 - u0));");
                offset += stage.Hidden;
            }
        }

        w.Line();
    }

    /// <summary>
    /// Forward's recurrence at batch size 1 on more than one thread: the participants split every step
    /// by hidden units and meet after each one (the next step reads all of h). Emitted before the
    /// batch-split recurrence, which it replaces when there is more than one participant.
    /// </summary>
    private static void EmitSplitRecurrence(IndentedWriter w, ModelPlan plan, StagePlan s)
    {
        if (!plan.SplitsRecurrence)
        {
            return;
        }

        int h = s.Hidden;
        int g = s.GateWidth / h;
        w.Line("if (workers > 1)");
        using (w.Scope())
        {
            w.Line("// One batch entry to share: the participants split every step by hidden units instead, each");
            w.Line("// computing its units of both gates' products and of the cell from all of h_{t−1}, then meet.");
            EmitShareBounds(w, Code.Int(h), "int ");
            w.Line("if (worker == 0)");
            using (w.Scope())
            {
                w.Line($"_activations.AsSpan(Layout.{s.H0.Name}, {Code.Int(h)}).CopyTo(_activations.AsSpan(Layout.{s.H.Name}, {Code.Int(h)}));");
                if (s.C0 is { } c0)
                {
                    w.Line($"_activations.AsSpan(Layout.{c0.Name}, {Code.Int(h)}).CopyTo(_activations.AsSpan(Layout.{s.C!.Name}, {Code.Int(h)}));");
                }
            }

            w.Line("Barrier();");
            using (w.Open("for (int t = 0; t < SequenceLength; t++)"))
            {
                w.Line("// units [u0, u1) of h_{t−1}·W_hhᵀ + b_hh, then of the cell");
                w.Line($"Kernels.{MatrixKernelEmitter.UnitsName(g, h, h)}({U("a", $"Layout.{s.H.Name} + (t * {Code.Int(h)})")}, {U("q", "Layout." + s.PackedHh.Name)}, {U("p", P(s.BiasHh))}, {U("a", "Layout.HiddenProjection")}, u0, u1);");
                EmitForwardCell(
                    w, s, "Kernels." + CellKernelEmitter.ForwardUnitsName(s.Kind, s.Activation, h),
                    (region, step, width) => U("a", $"Layout.{region} + ({step} * {Code.Int(width)})"),
                    U("a", "Layout.HiddenProjection"), "u0, u1");
                w.Line("// Step t + 1 reads all of h_t.");
                w.Line("Barrier();");
            }

            w.Line();
            w.Line("// The final state: h (and c) after the last real step, row lengths[0] of H (and C).");
            w.Line("if (worker == 0)");
            using (w.Scope())
            {
                w.Line($"_activations.AsSpan(Layout.{s.H.Name} + (_lengths[0] * {Code.Int(h)}), {Code.Int(h)}).CopyTo(_activations.AsSpan(Layout.{s.HT.Name}, {Code.Int(h)}));");
                if (s.CT is { } ct)
                {
                    w.Line($"_activations.AsSpan(Layout.{s.C!.Name} + (_lengths[0] * {Code.Int(h)}), {Code.Int(h)}).CopyTo(_activations.AsSpan(Layout.{ct.Name}, {Code.Int(h)}));");
                }
            }

            w.Line();
            w.Line("// The layer above (or the dense head) reads every step.");
            w.Line("Barrier();");
            w.Line("return;");
        }

        w.Line();
    }
}
