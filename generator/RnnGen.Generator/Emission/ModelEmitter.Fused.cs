using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// The fused step of a small model (an audio effect, a gesture recogniser): Step and Process over
/// float32 weights run every step of a block in one kernel per SIMD tier. Each product is computed in
/// registers as one row (bias, then one multiply–add per input column, in column order: the same
/// operations in the same order as the matrix kernels, so the same bits), the cell's element-wise
/// kernel for the tier is called directly, and no step pays for a format check, a width dispatch or
/// a kernel's loop over rows.
/// </summary>
internal static partial class ModelEmitter
{
    /// <summary>The fused step's parameters and locals around a cell's inline body: no value of the cell may take these names.</summary>
    private static readonly string[] FusedLocals = ["inputs", "p", "q", "s", "scratch", "outputs", "steps", "t", "x", "Kernels", "Layout"];

    /// <summary>Accumulators a product keeps in registers at once: half the register file of the tier.</summary>
    private static int FusedAccumulators(VectorTier tier) => tier.Width == 16 ? 16 : 8;

    /// <summary>
    /// The most product tiles a one-phase cell reads from registers. More stay live through the cell's
    /// activations than the 32 vector registers hold beside their temporaries, and the spills cost more
    /// than storing the products and reading them back (an LSTM of 64 units, 16 tiles of 16: 4% slower).
    /// </summary>
    private const int RegisterProducts = 12;

    /// <summary>
    /// The columns of a product of a carried state whose x_c is broadcast from the state's registers: the
    /// first 8, which the next step's multiply–adds need within 8 dependent multiply–adds (about 32 cycles) of
    /// the new state. A load of the state just stored would wait on that store (a 4-byte broadcast out of a
    /// 32- or 64-byte store): with h carried, an LSTM 1→8's sample took 35.1 ns against 38.0 reloaded. The
    /// later columns load x_c from memory, where the store has landed by then, and leave the vector units to
    /// the multiply–adds: against all 16 columns of a 512-bit block from registers, the LSTMs and GRUs of 32
    /// units took 0.89–0.94× the time per sample and 0.93–0.98× per Step, the 16-unit ones 0.99–1.00×.
    /// </summary>
    private const int RegisterColumns = 8;

    /// <summary>
    /// The most multiply–adds such a product writes out whole, its later columns too (an LSTM of 32 units at
    /// 512 bits: 8 tiles × 32 columns). Those columns in a loop made the 32-unit samples 1.01–1.05× slower;
    /// a GRU of 64 (768) keeps the loop, and the method stays far from the JIT's limits.
    /// </summary>
    private const int UnrolledMultiplyAdds = 256;

    /// <summary>
    /// How a layer's step runs on a tier when its products stay in registers: the one phase, the width of its
    /// blocks, the elements its kernel covers, and the states carried from step to step in registers (each
    /// state that a product reads and the phase stores whole; only its blocks that hold the first columns of
    /// the product: the next step broadcasts them from there instead of reloading the state just stored, a
    /// store-to-load round trip on the path from one step's h to the next).
    /// </summary>
    private sealed record FusedRegisterPath(CellPhase Phase, VectorTier Tier, int Width, IReadOnlyList<int> Carried)
    {
        /// <summary>The blocks of a carried state held in registers: those of its first <see cref="RegisterColumns"/> elements.</summary>
        public int CarriedBlocks => (System.Math.Min(Width, RegisterColumns) + Tier.Width - 1) / Tier.Width;
    }

    /// <summary>The register path of a layer on a tier, or <see langword="null"/> when its step runs through memory.</summary>
    private static FusedRegisterPath? RegisterPath(StagePlan stage, VectorTier tier)
    {
        var schedule = stage.Schedule;
        if (!schedule.IsSinglePhase)
        {
            return null;
        }

        // The width of the cell's blocks written out one by one: the tier's, or a narrower one that divides H
        // (H = 8 at Vector512 runs in Vector256 blocks), every product tile that wide and few enough for the registers.
        var single = schedule.Phases.Single(f => f.HasForwardKernel || f.Products.Count > 0);
        var unrolled = tier;
        while (!unrolled.IsScalar && !(single.HasForwardKernel && CellKernelEmitter.CanUnroll(schedule, single, unrolled)
            && single.Products.All(g => RowTiles(g.Rows, unrolled).All(t => t.Tier == unrolled) && g.Rows <= RegisterProducts * unrolled.Width)))
        {
            unrolled = unrolled.Narrower!;
        }

        if (unrolled.IsScalar)
        {
            return null;
        }

        int width = CellKernelEmitter.ForwardWidth(schedule, single);
        var states = single.Products
            .Select(g => schedule.Cell.Nodes[g.Source])
            .Where(n => n.Op == CellOp.State)
            .Select(n => n.Index)
            .Distinct()
            .Where(state => single.Stores.Any(st => st.Place == new CellPlace(CellPlaceKind.StateNew, state, 0))
                && single.Products.Where(g => schedule.Cell.Nodes[g.Source] is { Op: CellOp.State } n && n.Index == state)
                    .All(g => g.Columns == width))
            .ToList();
        return new FusedRegisterPath(single, unrolled, width, states);
    }

    /// <summary>The register holding block <paramref name="block"/> of a carried state of a layer.</summary>
    private static string CarriedName(StagePlan stage, int state, int block) =>
        "state" + Code.Int(stage.Index) + "_" + stage.Schedule.Cell.States[state].Name + Code.Int(block);

    /// <summary>
    /// Kernels.StepBlock: <c>steps</c> consecutive steps of one stream over the float32 packed weights,
    /// reading the inputs and writing the outputs step after step.
    /// </summary>
    private static void EmitFusedStepKernels(IndentedWriter w, ModelPlan plan)
    {
        if (!plan.FusesStep)
        {
            return;
        }

        const string parameters = "ref float inputs, ref float p, ref float q, ref float s, ref float scratch, ref float outputs, int steps";
        const string arguments = "ref inputs, ref p, ref q, ref s, ref scratch, ref outputs, steps";
        bool carries = plan.Stages.Any(stage => VectorTier.All.Any(tier => RegisterPath(stage, tier) is { Carried.Count: > 0 }));
        w.Line("// ---- the fused step of one stream (float32 weights) ----");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Steps one stream <paramref name=\"steps\"/> times over the float32 packed weights: the inputs are read and");
        w.Line("/// the outputs written step after step, the state in <paramref name=\"s\"/> updated in place. Bit for bit the");
        w.Line("/// products and cell kernels Step otherwise calls one by one: each product is one row in registers, the");
        w.Line("/// bias then one multiply–add per input column in column order, as the matrix kernels sum it.");
        if (carries)
        {
            w.Line("/// The state a product reads is also carried from step to step in registers, where the product's first");
            w.Line("/// columns broadcast it from.");
        }

        if (plan.BatchesHead)
        {
            w.Line("/// At 512 and 256 bits the head runs after every 16 (8) steps, over the rows of h they leave, a step per");
            w.Line("/// lane: the same sums in the same order.");
        }

        w.Line("/// </summary>");
        using (w.Open($"public static void StepBlock({parameters})"))
        {
            foreach (var tier in new[] { VectorTier.V512, VectorTier.V256, VectorTier.V128 })
            {
                w.Line($"{(tier == VectorTier.V512 ? "" : "else ")}if ({tier.Condition})");
                using (w.Scope())
                {
                    int rows = BatchedHeadRows(plan, tier);
                    if (rows == 0)
                    {
                        w.Line($"StepBlock_{tier.Name}({arguments});");
                        continue;
                    }

                    // The batched head runs here, between the kernel's calls: a call in the kernel would leave no
                    // vector register to its loop (none survives a call), so its carried states and constants
                    // would go through the stack every step.
                    w.Line($"// {Code.Int(rows)} steps at a time; the head of {Code.Int(rows)} steps from the rows they leave, a step per lane");
                    using (w.Open($"for (int t = 0; t < steps; t += {Code.Int(rows)})"))
                    {
                        w.Line($"int n = {Sys}Math.Min({Code.Int(rows)}, steps - t);");
                        w.Line($"StepBlock_{tier.Name}(ref At(ref inputs, t * {Code.Int(plan.Spec.Input.Features)}), ref p, ref q, ref s, ref scratch, ref At(ref outputs, t * {Code.Int(plan.Outputs)}), n);");
                        w.Line($"if (n == {Code.Int(rows)})");
                        using (w.Scope())
                        {
                            EmitBatchedHead(w, plan, rows, $"ref At(ref outputs, t * {Code.Int(plan.Outputs)})");
                        }
                    }
                }
            }

            w.Line("else");
            using (w.Scope())
            {
                w.Line($"StepBlock_{VectorTier.Scalar.Name}({arguments});");
            }
        }

        foreach (var tier in VectorTier.All)
        {
            w.Line();
            w.Line(Code.AggressiveOptimization);
            using (w.Open($"private static void StepBlock_{tier.Name}({parameters})"))
            {
                // The states carried from step to step in registers, loaded once per block (and stored every step).
                foreach (var stage in plan.Stages)
                {
                    if (RegisterPath(stage, tier) is { Carried.Count: > 0 } path)
                    {
                        foreach (int state in path.Carried)
                        {
                            w.Line($"// {stage.Schedule.Cell.States[state].Name} of {stage.Title}, carried in registers");
                            w.Line($"ref float {CarriedName(stage, state, 0)}Row = {U("s", "Layout." + stage.States[state].Step.Name)};");
                            for (int b = 0; b < path.CarriedBlocks; b++)
                            {
                                w.Line($"var {CarriedName(stage, state, b)} = {path.Tier.Load(CarriedName(stage, state, 0) + "Row", Code.Int(b * path.Tier.Width))};");
                            }
                        }

                        w.Line();
                    }
                }

                var top = plan.Stages[plan.Stages.Count - 1];
                int rows = BatchedHeadRows(plan, tier);
                using (w.Open("for (int t = 0; t < steps; t++)"))
                {
                    w.Line($"ref float x = ref At(ref inputs, t * {Code.Int(plan.Spec.Input.Features)});");
                    foreach (var stage in plan.Stages)
                    {
                        EmitFusedLayer(w, plan, stage, tier);
                    }

                    w.Line();
                    void StepHead()
                    {
                        w.Line("// y_t = h·W_denseᵀ + b_dense");
                        EmitRowProduct(w, tier, plan.Outputs, plan.HeadInputSize, U("s", "Layout." + top.StateH.Name),
                            U("q", "Layout." + plan.PackedDense.Name), U("p", P(plan.DenseBias)), $"ref At(ref outputs, t * {Code.Int(plan.Outputs)})");
                    }

                    if (rows == 0)
                    {
                        StepHead();
                    }
                    else
                    {
                        // A call of fewer steps (a Step, a block's last steps) runs the head step by step, as the
                        // other tiers do; one of a vector's worth leaves h_t in row t for StepBlock's batched head.
                        w.Line($"if (steps < {Code.Int(rows)})");
                        using (w.Scope())
                        {
                            StepHead();
                        }

                        w.Line("else");
                        using (w.Scope())
                        {
                            EmitHeadRowCopy(w, plan, tier);
                        }
                    }
                }
            }
        }

        w.Line();
    }

    /// <summary>
    /// The steps a tier's fused step runs its head over at once (<see cref="ModelPlan.BatchesHead"/>): one per
    /// lane of a 512- or 256-bit vector, as Simd.DotRows16 and DotRows8 take them; 0 where the head runs every step.
    /// </summary>
    private static int BatchedHeadRows(ModelPlan plan, VectorTier tier) =>
        plan.BatchesHead && (tier == VectorTier.V512 || tier == VectorTier.V256) ? tier.Width : 0;

    /// <summary>The row of step t in the batched head's rows.</summary>
    private static string HeadRow(ModelPlan plan) =>
        U("scratch", $"Layout.{plan.StepHeadRows!.Name} + (t * {Code.Int(plan.HeadRowStride)})");

    /// <summary>
    /// h_t copied into its row of the batched head's rows in whole vectors of the tier, up to the next
    /// multiple of the tier's width, as Simd.DotRows reads a row: the columns past H come from the state
    /// after h (its buffer is padded to whole 512-bit vectors) and are read and ignored.
    /// </summary>
    private static void EmitHeadRowCopy(IndentedWriter w, ModelPlan plan, VectorTier tier)
    {
        var top = plan.Stages[plan.Stages.Count - 1];
        int end = (plan.HeadInputSize + tier.Width - 1) / tier.Width * tier.Width;
        w.Line($"// h_t into row t of the head's rows{(end > plan.HeadInputSize ? $" (with the state after it, to {Code.Int(end)} floats: the columns past {Code.Int(plan.HeadInputSize)} are read and ignored)" : "")}");
        using (w.Scope())
        {
            w.Line($"ref float hs = {U("s", "Layout." + top.StateH.Name)};");
            w.Line($"ref float hr = {HeadRow(plan)};");
            for (int c = 0; c < end; c += tier.Width)
            {
                w.Line(tier.Store(tier.Load("hs", Code.Int(c)), "hr", Code.Int(c)));
            }
        }
    }

    /// <summary>
    /// The head of the <paramref name="rows"/> steps a call of the fused kernel has just run, from the rows
    /// it left their h in: each output's sums in the lanes of one vector (Simd.DotRows16 or DotRows8), each sum
    /// from the bias over the columns in order, the multiply–adds of the per-step loop.
    /// </summary>
    private static void EmitBatchedHead(IndentedWriter w, ModelPlan plan, int rows, string outputs)
    {
        int k = plan.HeadInputSize, n = plan.Outputs;
        w.Line($"// y_t = h_t·W_denseᵀ + b_dense of the {Code.Int(rows)} steps: output j's sums in the lanes of one vector");
        w.Line($"ref float hr = {U("scratch", "Layout." + plan.StepHeadRows!.Name)};");
        w.Line($"ref float wr = {U("q", "Layout." + plan.PackedDense.Name)};");
        w.Line($"ref float br = {U("p", P(plan.DenseBias))};");
        w.Line($"ref float yr = {outputs};");
        for (int j = 0; j < n; j++)
        {
            // Element (c, j) of the packed head (one panel of n columns) is at c·n + j.
            w.Line($"{Code.Simd}.DotRows{Code.Int(rows)}(ref hr, {Code.Int(plan.HeadRowStride)}, {Code.Int(k)}, ref At(ref wr, {Code.Int(j)}), {Code.Int(n)}, At(ref br, {Code.Int(j)}), ref At(ref yr, {Code.Int(j)}), {Code.Int(n)});");
        }
    }

    /// <summary>Kernels.StepBlock over a stream's state, the model's weights and the caller's inputs and outputs.</summary>
    private static void EmitStepBlockCall(IndentedWriter w, string inputs, string outputs, string steps)
    {
        const string span = Sys + "Runtime.InteropServices.MemoryMarshal.GetReference";
        w.Line($"Kernels.StepBlock(ref {span}({inputs}), ref _parameters.Reference, ref _packed.Reference, ref state.Buffer.Reference, ref _stepScratch.Reference, ref {span}({outputs}), {steps});");
    }

    /// <summary>
    /// One layer of the fused step: its hoisted products (into the step's scratch, off the path from one
    /// step's h to the next), then each phase's products and the cell's body for the tier. A one-phase
    /// cell whose products fit in registers takes them from there, its blocks written out one by one,
    /// and stores only the new state.
    /// </summary>
    private static void EmitFusedLayer(IndentedWriter w, ModelPlan plan, StagePlan stage, VectorTier tier)
    {
        w.Line();
        w.Line($"// {stage.Title}");
        string input = stage.Index == 0 ? "ref x" : U("s", "Layout." + plan.Stages[stage.Index - 1].StateH.Name);
        string gates = U("scratch", "Layout.StepGates");
        string Place(CellPlace p) => p.Kind switch
        {
            CellPlaceKind.Hoisted => HoistedShift(gates, HoistedOffset(stage, stage.Schedule.Groups[p.Index]), "1"),
            CellPlaceKind.Projection => U("scratch", "Layout." + plan.StepProjections[stage.ProjectionOrdinal(stage.Schedule.Groups[p.Index])].Name),
            CellPlaceKind.StateOld or CellPlaceKind.StateNew => U("s", "Layout." + stage.States[p.Index].Step.Name),
            CellPlaceKind.Kept => U("scratch", "Layout.StepTemp" + (KeptOffset(stage, p.Index) > 0 ? " + " + Code.Int(KeptOffset(stage, p.Index)) : "")),
            CellPlaceKind.Input => input,
            CellPlaceKind.Vector => U("p", P(stage.CellParameters[p.Index])),
            _ => throw new System.InvalidOperationException(p.ToString()),
        };

        var schedule = stage.Schedule;
        using (w.Scope())
        {
            foreach (var g in schedule.Groups.Where(g => g.Hoisted))
            {
                var (packed, bias, _) = GroupArguments(stage, g);
                w.Line($"// {GroupComment(stage, g)}");
                EmitRowProduct(w, tier, g.Rows, g.Columns, input, packed, bias, Place(new CellPlace(CellPlaceKind.Hoisted, g.Index, 0)));
            }

            if (RegisterPath(stage, tier) is { } path)
            {
                var (single, unrolled, states) = (path.Phase, path.Tier, path.Carried);

                // A carried state's block b holds its elements [b·W, (b + 1)·W).
                string? Carried(CellPlace p, CellPlaceKind kind) =>
                    p.Kind == kind && states.Contains(p.Index) && p.Offset % unrolled.Width == 0 && p.Offset / unrolled.Width < path.CarriedBlocks
                        ? CarriedName(stage, p.Index, p.Offset / unrolled.Width) : null;

                // The products of the state in registers: accumulator t of group g holds columns [t·W, (t + 1)·W).
                var names = new Dictionary<int, string>();
                foreach (var g in single.Products)
                {
                    names[g.Index] = single.Products.Count == 1 ? "gh" : "gh" + Code.Int(single.Products.IndexOf(g)) + "_";
                    var (packed, bias, _) = GroupArguments(stage, g);
                    var source = SourcePlace(stage, g);
                    bool fromRegisters = source.Kind == CellPlaceKind.StateOld && states.Contains(source.Index);
                    w.Line($"// {GroupComment(stage, g)}, in registers{(fromRegisters ? ", each column's lane broadcast from the carried state" : "")}");
                    EmitRowProductInRegisters(w, unrolled, g.Rows, g.Columns, Place(source), packed, bias, names[g.Index],
                        fromRegisters ? b => CarriedName(stage, source.Index, b) : null);
                }

                string? Register(CellPlace p) =>
                    p.Kind == CellPlaceKind.Projection && names.TryGetValue(p.Index, out var name) && p.Offset % unrolled.Width == 0
                        ? name + Code.Int(p.Offset / unrolled.Width) : Carried(p, CellPlaceKind.StateOld);

                // The gates' activations and the values kept for a backward pass stay in registers: only the new state is stored.
                bool Keep(CellPlace p) => p.Kind is not (CellPlaceKind.Hoisted or CellPlaceKind.Projection or CellPlaceKind.Kept);
                var reserved = FusedLocals
                    .Concat(single.Products.SelectMany(g => Enumerable.Range(0, g.Rows / unrolled.Width).Select(t => names[g.Index] + Code.Int(t)).Append(names[g.Index] + "Bias")))
                    .Concat(CarriedNames(plan, tier));
                w.Line($"// the cell: {string.Join("; ", schedule.Cell.Equations)}");
                CellKernelEmitter.EmitForwardUnrolled(w, schedule, single, unrolled, Place, reserved, Register, Keep, p => Carried(p, CellPlaceKind.StateNew));
                return;
            }

            foreach (var phase in schedule.Phases)
            {
                foreach (var g in phase.Products)
                {
                    var (packed, bias, _) = GroupArguments(stage, g);
                    w.Line($"// {GroupComment(stage, g)}");
                    EmitRowProduct(w, tier, g.Rows, g.Columns, Place(SourcePlace(stage, g)), packed, bias, Place(new CellPlace(CellPlaceKind.Projection, g.Index, 0)));
                }

                if (phase.HasForwardKernel)
                {
                    w.Line($"// the cell{(schedule.Phases.Count(f => f.HasForwardKernel) > 1 ? ", phase " + Code.Int(phase.Level) : "")}: {string.Join("; ", schedule.Cell.Equations)}");
                    CellKernelEmitter.EmitForwardInline(w, schedule, phase, tier, Place, FusedLocals);
                }
            }
        }
    }

    /// <summary>Every carried state's registers in a tier's fused step: no value of a cell may take these names.</summary>
    private static IEnumerable<string> CarriedNames(ModelPlan plan, VectorTier tier) =>
        plan.Stages.SelectMany(stage => RegisterPath(stage, tier) is { } path
            ? path.Carried.SelectMany(state => Enumerable.Range(0, path.CarriedBlocks).Select(b => CarriedName(stage, state, b)).Append(CarriedName(stage, state, 0) + "Row"))
            : []);

    /// <summary>
    /// y = bias + x·Wᵀ for one row into the tier's accumulators <paramref name="name"/>0, 1, … declared in
    /// the caller's scope, every tile of the tier's full width, one multiply–add per tile and column in
    /// column order. With <paramref name="lanes"/> (the registers holding x, block b of the tier's width in
    /// lanes(b)), the first <see cref="RegisterColumns"/> columns broadcast x_c from its lane and the rest,
    /// written out too up to <see cref="UnrolledMultiplyAdds"/>, load it; the columns beyond, or all of them
    /// without <paramref name="lanes"/>, run in a loop that loads it. The same multiply–adds in the same
    /// order either way.
    /// </summary>
    private static void EmitRowProductInRegisters(IndentedWriter w, VectorTier tier, int n, int k, string x, string packed, string bias, string name,
        System.Func<int, string>? lanes = null)
    {
        var tiles = RowTiles(n, k, tier);
        w.Line($"ref float {name}Bias = {bias};");
        for (int i = 0; i < tiles.Count; i++)
        {
            w.Line($"var {name}{Code.Int(i)} = {tier.Load(name + "Bias", Code.Int(tiles[i].Column))};");
        }

        // Columns [0, fromRegisters) from lanes, [fromRegisters, unrolledEnd) written out, [unrolledEnd, k) in a loop.
        int fromRegisters = lanes is null ? 0 : System.Math.Min(k, RegisterColumns);
        int unrolledEnd = lanes is null || tiles.Count * k > UnrolledMultiplyAdds ? fromRegisters : k;
        string xc = "x" + Code.Int(tier.Width);
        bool declared = false;

        // One column: x_c broadcast, then a multiply–add per tile with element (c, tile) of the panels at offset(tile).
        void Column(string broadcast, System.Func<int, string> offset)
        {
            w.Line($"{(declared ? "" : "var ")}{xc} = {broadcast};");
            for (int i = 0; i < tiles.Count; i++)
            {
                w.Line($"{name}{Code.Int(i)} = {Code.Simd}.MultiplyAdd({xc}, {tier.Load("wr", offset(i))}, {name}{Code.Int(i)});");
            }
        }

        string Constant(int c, int i) => Code.Int((c * tiles[i].PanelWidth) + tiles[i].Offset);

        using (w.Scope())
        {
            w.Line($"ref float xr = {x};");
            w.Line($"ref float wr = {packed};");
            for (int c = 0; c < fromRegisters; c++)
            {
                Column(tier.BroadcastLane(lanes!(c / tier.Width), c % tier.Width), i => Constant(c, i));
                declared = true;
            }

            for (int c = fromRegisters; c < unrolledEnd; c++)
            {
                Column(tier.Broadcast($"At(ref xr, {Code.Int(c)})"), i => Constant(c, i));
                declared = true;
            }

            if (k > unrolledEnd)
            {
                using (w.Open($"for (int c = {Code.Int(unrolledEnd)}; c < {Code.Int(k)}; c++)"))
                {
                    Column(tier.Broadcast("At(ref xr, c)"), i => $"(c * {Code.Int(tiles[i].PanelWidth)}) + {Code.Int(tiles[i].Offset)}");
                }
            }
        }
    }

    /// <summary>
    /// The tiles of one row of an N-column product for a tier: (first column, width, offset of element
    /// (0, column) in the panels, panel width), each tile within one panel and as wide as the panel allows.
    /// </summary>
    private static List<(int Column, VectorTier Tier, int Offset, int PanelWidth)> RowTiles(int n, int k, VectorTier tier)
    {
        var tiles = new List<(int Column, VectorTier Tier, int Offset, int PanelWidth)>();
        for (int panel = 0; panel < n; panel += MatrixKernelEmitter.PanelWidth)
        {
            int width = System.Math.Min(MatrixKernelEmitter.PanelWidth, n - panel);
            var t = tier;
            while (width % t.Width != 0)
            {
                t = t.Narrower!;
            }

            for (int j = panel; j < panel + width; j += t.Width)
            {
                tiles.Add((j, t, (panel * k) + (j - panel), width));
            }
        }

        return tiles;
    }

    private static List<(int Column, VectorTier Tier, int Offset, int PanelWidth)> RowTiles(int n, VectorTier tier) => RowTiles(n, 1, tier);

    /// <summary>"x·W_ihᵀ + b_ih [4H]": what a product group computes, for the fused step's comments.</summary>
    private static string GroupComment(StagePlan stage, ProductGroup g)
    {
        var cell = stage.Schedule.Cell;
        var source = cell.Nodes[g.Source];
        string what = g.Hoisted ? "x" : source.Op == CellOp.State ? cell.States[source.Index].Name + "_{t−1}" : cell.Names[g.Source];
        string bias = g.HasBias ? " + " + stage.GroupBias(g)!.Name : "";
        return $"{what}·{stage.GroupWeight(g).Name}ᵀ{bias}: {Code.Int(g.Rows)} columns × {Code.Int(g.Columns)} inputs";
    }

    /// <summary>
    /// y = bias + x·Wᵀ for one row, W packed in panels (see MatrixKernelEmitter.Pack): the columns in
    /// tiles of the tier's width (narrower where a panel is), at most <see cref="FusedAccumulators"/> tiles
    /// at a time, each summed from its bias over the inputs in order.
    /// </summary>
    private static void EmitRowProduct(IndentedWriter w, VectorTier tier, int n, int k, string x, string packed, string bias, string y)
    {
        if (tier.IsScalar)
        {
            // One column at a time: element (c, j) of the panels is at panel·k + c·(panel width) + (j − panel).
            using (w.Scope())
            {
                w.Line($"ref float xr = {x};");
                w.Line($"ref float wr = {packed};");
                w.Line($"ref float br = {bias};");
                w.Line($"ref float yr = {y};");
                using (w.Open($"for (int j = 0; j < {Code.Int(n)}; j++)"))
                {
                    w.Line($"int panel = j & ~{Code.Int(MatrixKernelEmitter.PanelWidth - 1)};");
                    w.Line($"int width = {Sys}Math.Min({Code.Int(MatrixKernelEmitter.PanelWidth)}, {Code.Int(n)} - panel);");
                    w.Line($"ref float wj = ref At(ref wr, (panel * {Code.Int(k)}) + (j - panel));");
                    w.Line("float acc = At(ref br, j);");
                    using (w.Open($"for (int c = 0; c < {Code.Int(k)}; c++)"))
                    {
                        w.Line($"acc = {Code.Simd}.MultiplyAdd(At(ref xr, c), At(ref wj, c * width), acc);");
                    }

                    w.Line("At(ref yr, j) = acc;");
                }
            }

            return;
        }

        var tiles = RowTiles(n, k, tier);
        using (w.Scope())
        {
            w.Line($"ref float xr = {x};");
            w.Line($"ref float wr = {packed};");
            w.Line($"ref float br = {bias};");
            w.Line($"ref float yr = {y};");
            int most = FusedAccumulators(tier);
            for (int first = 0; first < tiles.Count; first += most)
            {
                var group = tiles.Skip(first).Take(most).ToList();

                // A scope per group of accumulators when there is more than one group.
                using (tiles.Count > most ? w.Scope() : default(IndentedWriter.Block?))
                {
                    for (int i = 0; i < group.Count; i++)
                    {
                        w.Line($"var acc{Code.Int(i)} = {group[i].Tier.Load("br", Code.Int(group[i].Column))};");
                    }

                    var widths = group.Select(g => g.Tier).Distinct().ToList();
                    void Column(string kk, string kOffset)
                    {
                        foreach (var t in widths)
                        {
                            w.Line($"var x{Code.Int(t.Width)} = {t.Broadcast($"At(ref xr, {kk})")};");
                        }

                        for (int i = 0; i < group.Count; i++)
                        {
                            var (_, t, offset, panelWidth) = group[i];
                            string at = kOffset.Length == 0 ? Code.Int(offset) : $"({kOffset} * {Code.Int(panelWidth)}) + {Code.Int(offset)}";
                            w.Line($"acc{Code.Int(i)} = {Code.Simd}.MultiplyAdd(x{Code.Int(t.Width)}, {t.Load("wr", at)}, acc{Code.Int(i)});");
                        }
                    }

                    if (k == 1)
                    {
                        Column("0", "");
                    }
                    else
                    {
                        using (w.Open($"for (int c = 0; c < {Code.Int(k)}; c++)"))
                        {
                            Column("c", "c");
                        }
                    }

                    for (int i = 0; i < group.Count; i++)
                    {
                        w.Line(group[i].Tier.Store($"acc{Code.Int(i)}", "yr", Code.Int(group[i].Column)));
                    }
                }
            }
        }
    }
}
