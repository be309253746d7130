using System.Linq;
using RnnGen.Generator.Cells;
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
        w.Line("/// <summary>Whether each single-stream Step with a team runs split or on the calling thread alone.</summary>");
        w.Line("private readonly global::RnnGen.SplitChooser _stepSplit = new global::RnnGen.SplitChooser();");
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

        w.Line("long started = 0;");
        w.Line("if (_team is not null)");
        using (w.Scope())
        {
            w.Line("// With a team, the step runs split between its threads (this block) or on this thread alone (after it),");
            w.Line("// whichever the recent steps found faster: the same bits either way (see SplitChooser).");
            w.Line("started = global::RnnGen.SplitChooser.Now();");
            w.Line("if (_stepSplit.Split)");
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
                w.Line("_stepSplit.Record(global::RnnGen.SplitChooser.Now() - started);");
                KeepAlive(w, "state", "this");
                w.Line("return;");
            }
        }

        w.Line();
    }

    /// <summary>The end of Step on the calling thread alone: with a team, its time for the chooser.</summary>
    private static void EmitSplitStepRecord(IndentedWriter w, ModelPlan plan)
    {
        if (!plan.SplitsStep)
        {
            return;
        }

        w.Line();
        w.Line("if (_team is not null)");
        using (w.Scope())
        {
            w.Line("_stepSplit.Record(global::RnnGen.SplitChooser.Now() - started);");
        }
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
            w.Line("State state = _steppingState!;");
            w.Line("int workers = _team!.Count;");
            w.Line("ref float p = ref _parameters.Reference;");
            w.Line("ref float q = ref _packed.Reference;");
            DeclareInferenceWeights(w);
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
                w.Line();
                w.Line($"// {stage.Title}: units [u0, u1) of the products and of the cell");
                shared = EmitUnitShare(w, stage.Hidden, shared);
                string input = stage.Index == 0 ? "ref x" : U("scratch", NewH(offset - plan.Stages[stage.Index - 1].Hidden));
                foreach (var g in stage.Schedule.Groups.Where(g => g.Hoisted))
                {
                    var (_, bias, _) = GroupArguments(stage, g);
                    EmitLinearUnits(w, inference: true, g.Rows / stage.Hidden, stage.Hidden, g.Columns, input, GroupPackedRegion(stage, g), bias, gates);
                }

                // The new h goes to scratch (other threads still read the old one); other states are
                // updated in place, each thread touching only its units.
                var s = stage;
                long newH = offset;
                EmitCellForwardUnits(w, stage, p => p.Kind switch
                {
                    CellPlaceKind.Hoisted => gates,
                    CellPlaceKind.Projection => projection,
                    CellPlaceKind.StateNew when p.Index == 0 => U("scratch", NewH(newH)),
                    CellPlaceKind.StateOld or CellPlaceKind.StateNew => U("s", "Layout." + s.States[p.Index].Step.Name),
                    CellPlaceKind.Kept => temp,
                    CellPlaceKind.Input => input,
                    CellPlaceKind.Vector => U("p", P(s.CellParameters[p.Index])),
                    _ => throw new System.InvalidOperationException(p.ToString()),
                }, inference: true);

                w.Line(stage.Index + 1 < plan.Stages.Count ? "// The layer above reads all of the new h." : "// The head reads all of the new h.");
                w.Line("Barrier();");
                offset += stage.Hidden;
            }

            w.Line();
            w.Line("// output = h·W_denseᵀ + b_dense: this participant's share of the outputs");
            EmitShareBounds(w, "OutputSize", "");
            EmitLinearUnits(w, inference: true, 1, plan.Outputs, plan.HeadInputSize, U("scratch", NewH(offset - plan.Stages[plan.Stages.Count - 1].Hidden)), "Layout." + plan.PackedDense.Name, U("p", P(plan.DenseBias)), U("scratch", "Layout.StepOutput"));
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
        w.Line("if (workers > 1)");
        using (w.Scope())
        {
            w.Line("// One batch entry to share: the participants split every step by hidden units instead, each");
            w.Line("// computing its units of every gate's products and of the cell from all of h_{t−1}, then meet.");
            EmitShareBounds(w, Code.Int(h), "int ");
            w.Line("if (worker == 0)");
            using (w.Scope())
            {
                foreach (var st in s.States)
                {
                    w.Line($"_activations.AsSpan(Layout.{st.Initial.Name}, {Code.Int(st.Width)}).CopyTo(_activations.AsSpan(Layout.{st.Rows.Name}, {Code.Int(st.Width)}));");
                }
            }

            w.Line("Barrier();");
            using (w.Open("for (int t = 0; t < SequenceLength; t++)"))
            {
                w.Line("// units [u0, u1) of the products of h_{t−1}, then of the cell");
                EmitCellForwardUnits(w, s, RowPlaces(plan, s, (t, width) => $"({t} * {Code.Int(width)})", _ => ""), inference: true);
                w.Line("// Step t + 1 reads all of h_t.");
                w.Line("Barrier();");
            }

            w.Line();
            w.Line("// The final state: each state after the last real step, row lengths[0] of its rows.");
            w.Line("if (worker == 0)");
            using (w.Scope())
            {
                foreach (var st in s.States)
                {
                    w.Line($"_activations.AsSpan(Layout.{st.Rows.Name} + (_lengths[0] * {Code.Int(st.Width)}), {Code.Int(st.Width)}).CopyTo(_activations.AsSpan(Layout.{st.Final.Name}, {Code.Int(st.Width)}));");
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
