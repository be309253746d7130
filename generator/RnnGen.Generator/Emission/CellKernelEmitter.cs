using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// Emits the element-wise kernels of a scheduled cell, forward and backward, one per phase, specialised
/// for its sizes: the phase's values fused in one pass, in vector blocks of the tier's width with the
/// last H mod width elements done by narrower tiers at constant offsets.
/// </summary>
/// <remarks>
/// Every kernel takes <c>count</c> rows (batch entries or streams); each argument advances by its own
/// row width (0 for a parameter vector, the same for every row). A kernel computes every value before
/// it stores any, so the streaming step can pass the same memory as previous and next state, and a
/// kept value can take the place of the hoisted product it was computed from.
/// </remarks>
internal static class CellKernelEmitter
{
    /// <summary>The suffix that makes a kernel's name unique per definition and sizes.</summary>
    private static string Sizes(CellSchedule s) =>
        "_H" + Code.Int(s.Hidden)
        + (s.Projection > 0 ? "_P" + Code.Int(s.Projection) : "")
        + (s.InputElementwise ? "_I" + Code.Int(s.InputSize) : "");

    /// <summary>A key that is equal for schedules that share kernels.</summary>
    public static string Key(CellSchedule s) => s.Cell.Name + Sizes(s);

    private static string PhaseSuffix(CellSchedule s, CellPhase phase) =>
        s.Phases.Count(p => p.HasForwardKernel) == 1 ? "" : Code.Int(phase.Level);

    public static string ForwardName(CellSchedule s, CellPhase phase) => s.Cell.Name + "Forward" + PhaseSuffix(s, phase) + Sizes(s);

    public static string BackwardName(CellSchedule s, CellPhase phase) => s.Cell.Name + "Backward" + PhaseSuffix(s, phase) + Sizes(s);

    public static string ForwardUnitsName(CellSchedule s) => s.Cell.Name + "ForwardUnits" + Sizes(s);

    /// <summary>The memory a phase's forward kernel reads and writes, in argument order.</summary>
    public static IReadOnlyList<CellPlace> ForwardArguments(CellSchedule s, CellPhase phase)
    {
        var places = ForwardReads(s, phase).ToList();

        foreach (var (place, _) in phase.Stores)
        {
            places.Add(place with { Offset = 0 });
        }

        return places.Distinct().ToList();
    }

    /// <summary>The memory a phase's forward kernel reads, in argument order.</summary>
    private static IEnumerable<CellPlace> ForwardReads(CellSchedule s, CellPhase phase)
    {
        var reads = new HashSet<int>();
        var visited = new HashSet<int>();
        foreach (var (_, node) in phase.Stores)
        {
            CollectForward(s, node, phase.Level, reads, visited);
        }

        return reads.OrderBy(r => r).Select(leaf => ForwardPlace(s, leaf, phase.Level) with { Offset = 0 }).Distinct();
    }

    /// <summary>The memory a phase's backward kernel reads and writes, in argument order.</summary>
    public static IReadOnlyList<CellPlace> BackwardArguments(CellSchedule s, CellPhase phase)
    {
        var places = new List<CellPlace>();
        var seen = new HashSet<int>();
        var visited = new HashSet<int>();
        foreach (var write in phase.Writes)
        {
            CollectBackward(s, write.Expr, places, seen, visited);
        }

        foreach (var write in phase.Writes)
        {
            places.Add(write.Place with { Offset = 0 });
        }

        return places.Distinct().ToList();
    }

    /// <summary>The leaves (or kept values of earlier phases) a forward value reads in <paramref name="level"/>'s kernel.</summary>
    private static void CollectForward(CellSchedule s, int node, int level, HashSet<int> reads, HashSet<int> visited)
    {
        // Each node once: a value used twice (u * u) must not double the walk at every level.
        if (!visited.Add(node))
        {
            return;
        }

        var n = s.Cell.Nodes[node];
        if (n.IsLeaf || s.PhaseOf(node) != level)
        {
            if (n.Op != CellOp.Constant)
            {
                reads.Add(node);
            }

            return;
        }

        CollectForward(s, n.A, level, reads, visited);
        if (n.B >= 0)
        {
            CollectForward(s, n.B, level, reads, visited);
        }
    }

    private static void CollectBackward(CellSchedule s, int expr, List<CellPlace> places, HashSet<int> seen, HashSet<int> visited)
    {
        if (!seen.Add(expr))
        {
            return;
        }

        var e = s.Adjoints.Exprs[expr];
        switch (e.Op)
        {
            case AdjointOp.Seed:
                places.Add(SeedPlace(e.Seed!));
                return;
            case AdjointOp.Forward:
                CollectBackwardValue(s, e.Node, places, visited);
                return;
        }

        if (e.A >= 0)
        {
            CollectBackward(s, e.A, places, seen, visited);
        }

        if (e.B >= 0)
        {
            CollectBackward(s, e.B, places, seen, visited);
        }
    }

    private static void CollectBackwardValue(CellSchedule s, int node, List<CellPlace> places, HashSet<int> visited)
    {
        if (!visited.Add(node))
        {
            return;
        }

        var n = s.Cell.Nodes[node];
        if (BackwardPlace(s, node) is { } place)
        {
            places.Add(place with { Offset = 0 });
            return;
        }

        if (n.Op == CellOp.Constant)
        {
            return;
        }

        CollectBackwardValue(s, n.A, places, visited);
        if (n.B >= 0)
        {
            CollectBackwardValue(s, n.B, places, visited);
        }
    }

    private static CellPlace SeedPlace(CellSeed seed) => seed.Kind switch
    {
        CellSeedKind.FromAbove => new CellPlace(CellPlaceKind.FromAbove, 0, 0),
        CellSeedKind.Carry => new CellPlace(CellPlaceKind.Carry, seed.Index, 0),
        _ => new CellPlace(CellPlaceKind.ValueGradient, seed.Index, 0),
    };

    /// <summary>Where a forward kernel of phase <paramref name="level"/> reads a leaf or an earlier phase's value.</summary>
    private static CellPlace ForwardPlace(CellSchedule s, int node, int level)
    {
        var n = s.Cell.Nodes[node];
        if (!n.IsLeaf)
        {
            int state = s.StateOf(node);
            return state >= 0 && !s.Kept.ContainsKey(node) ? new CellPlace(CellPlaceKind.StateNew, state, 0) : s.KeptPlace(node);
        }

        return n.Op switch
        {
            CellOp.Input => new CellPlace(CellPlaceKind.Input, 0, 0),
            CellOp.State => new CellPlace(CellPlaceKind.StateOld, n.Index, 0),
            CellOp.Vector => new CellPlace(CellPlaceKind.Vector, n.Index, n.Block * s.Hidden),
            CellOp.Product when s.GroupOf(node).Group.Hoisted => new CellPlace(CellPlaceKind.Hoisted, s.GroupOf(node).Group.Index, s.GroupOf(node).Offset),
            CellOp.Product => new CellPlace(CellPlaceKind.Projection, s.GroupOf(node).Group.Index, s.GroupOf(node).Offset),
            _ => throw new System.InvalidOperationException(),
        };
    }

    /// <summary>Where the backward pass finds a forward value, or null when it recomputes it.</summary>
    private static CellPlace? BackwardPlace(CellSchedule s, int node)
    {
        var n = s.Cell.Nodes[node];
        if (s.StateOf(node) >= 0)
        {
            return new CellPlace(CellPlaceKind.StateNew, s.StateOf(node), 0);
        }

        if (s.Kept.ContainsKey(node))
        {
            return s.KeptPlace(node);
        }

        return n.Op switch
        {
            CellOp.Input => new CellPlace(CellPlaceKind.Input, 0, 0),
            CellOp.State => new CellPlace(CellPlaceKind.StateOld, n.Index, 0),
            CellOp.Vector => new CellPlace(CellPlaceKind.Vector, n.Index, n.Block * s.Hidden),
            CellOp.Product => new CellPlace(CellPlaceKind.Hoisted, s.GroupOf(node).Group.Index, s.GroupOf(node).Offset),
            _ => null,
        };
    }

    /// <summary>The argument name of a place: gates, hiddenProjection, hPrev, cNext, tanhC, dA, dhNext, …</summary>
    public static string ArgumentName(CellSchedule s, CellPlace p)
    {
        string State(int k) => s.Cell.States[k].Name;
        string Node(int n) => s.Cell.Names[n] is { Length: > 0 } name ? name : "value" + Code.Int(n);
        bool OnlyStepProduct(int g) => s.IsHiddenProduct(s.Groups[g]);
        return p.Kind switch
        {
            CellPlaceKind.Hoisted => p.Index == 0 ? "gates" : "gates" + Code.Int(p.Index),
            CellPlaceKind.Projection => OnlyStepProduct(p.Index) ? "hiddenProjection" : "projection" + Code.Int(p.Index),
            CellPlaceKind.StateOld => State(p.Index) + "Prev",
            CellPlaceKind.StateNew => State(p.Index) + "Next",
            CellPlaceKind.Kept => "kept" + char.ToUpperInvariant(Node(p.Index)[0]) + Node(p.Index).Substring(1),
            CellPlaceKind.Input => "x",
            CellPlaceKind.Vector => s.Cell.Parameters[p.Index].Name,
            CellPlaceKind.FromAbove => "dH",
            CellPlaceKind.Carry => "d" + State(p.Index) + "Next",
            CellPlaceKind.ProductGradient => s.Groups[p.Index].Hoisted ? (p.Index == 0 ? "dA" : "dA" + Code.Int(p.Index)) : OnlyStepProduct(p.Index) ? "dGh" : "dG" + Code.Int(p.Index),
            CellPlaceKind.ValueGradient => "d" + Node(p.Index),
            CellPlaceKind.InputGradient => "dX",
            _ => "d" + s.Cell.Parameters[p.Index].Name,
        };
    }

    /// <summary>Floats from one row of a place to the next.</summary>
    public static int RowWidth(CellSchedule s, CellPlace p) => p.Kind switch
    {
        CellPlaceKind.Hoisted or CellPlaceKind.Projection or CellPlaceKind.ProductGradient => s.Groups[p.Index].Rows,
        CellPlaceKind.StateOld or CellPlaceKind.StateNew or CellPlaceKind.Carry => s.StateWidth(p.Index),
        CellPlaceKind.FromAbove => s.StateWidth(0),
        CellPlaceKind.Kept or CellPlaceKind.ValueGradient => s.NodeWidth(p.Index),
        CellPlaceKind.Input or CellPlaceKind.InputGradient => s.InputSize,
        CellPlaceKind.Vector => 0,
        _ => s.Cell.Parameters[p.Index].Blocks * s.Hidden,
    };

    /// <summary>The width a phase's kernel runs over: the width of what it stores.</summary>
    private static int LoopWidth(CellSchedule s, CellPhase phase, bool forward) =>
        forward
            ? phase.Stores.Select(st => s.NodeWidth(st.Node)).DefaultIfEmpty(s.Hidden).Max()
            : phase.Writes.Select(w => WriteWidth(s, w.Place)).DefaultIfEmpty(s.Hidden).Max();

    /// <summary>The width of the adjoint a backward kernel writes to a place (one block of a product's rows).</summary>
    private static int WriteWidth(CellSchedule s, CellPlace p) => p.Kind switch
    {
        CellPlaceKind.Carry => s.StateWidth(p.Index),
        CellPlaceKind.ProductGradient => s.Width(s.Cell.Parameters[s.Groups[p.Index].Matrix].Rows),
        CellPlaceKind.ValueGradient => s.NodeWidth(p.Index),
        _ => s.Hidden,
    };

    private static string Parameters(CellSchedule s, IReadOnlyList<CellPlace> places, string range) =>
        string.Join(", ", places.Select(p => "ref float " + ArgumentName(s, p))) + ", " + range;

    private static string Arguments(CellSchedule s, IReadOnlyList<CellPlace> places, string range) =>
        string.Join(", ", places.Select(p => "ref " + ArgumentName(s, p))) + ", " + range;

    /// <summary>
    /// A layer's taps (docs/taps.md): every named value the step computes, in node order, then each state
    /// whose new value is not one of them (a projected h), read from the state after the step. Offsets
    /// are in the layer's part of a step's tap vector.
    /// </summary>
    public static IReadOnlyList<CellTap> Taps(CellSchedule s)
    {
        var taps = new List<CellTap>();
        var cell = s.Cell;

        // A name assigned more than once (h -= …) means its last value, the one the step ends with.
        var last = new Dictionary<string, int>();
        for (int node = 0; node < cell.Nodes.Count; node++)
        {
            if (cell.Names[node].Length > 0 && !cell.Nodes[node].IsLeaf && s.IsNeeded(node))
            {
                last[cell.Names[node]] = node;
            }
        }

        int offset = 0;
        foreach (int node in last.Values.OrderBy(n => n))
        {
            taps.Add(new CellTap(cell.Names[node], node, s.StateOf(node), offset, s.NodeWidth(node)));
            offset += s.NodeWidth(node);
        }

        for (int k = 0; k < cell.States.Count; k++)
        {
            if (!taps.Any(t => t.Node == cell.States[k].Next))
            {
                string name = last.ContainsKey(cell.States[k].Name) ? cell.States[k].Name + "_state" : cell.States[k].Name;
                taps.Add(new CellTap(name, -1, k, offset, s.StateWidth(k)));
                offset += s.StateWidth(k);
            }
        }

        return taps;
    }

    /// <summary>The name of a phase's forward kernel that also writes the phase's taps.</summary>
    public static string ForwardTapsName(CellSchedule s, CellPhase phase) => s.Cell.Name + "ForwardTaps" + PhaseSuffix(s, phase) + Sizes(s);

    /// <summary>The taps a phase computes (none for a phase that computes no named value).</summary>
    public static IReadOnlyList<CellTap> PhaseTaps(CellSchedule s, CellPhase phase) =>
        phase.HasForwardKernel ? Taps(s).Where(t => t.Node >= 0 && s.PhaseOf(t.Node) == phase.Level).ToList() : [];

    /// <summary>
    /// For each phase that computes taps, a forward kernel for one row that also stores them into
    /// <c>taps</c>: the phase's own body, the same values, plus one store per tap.
    /// </summary>
    public static void EmitTaps(IndentedWriter w, CellSchedule s)
    {
        foreach (var phase in s.Phases)
        {
            var taps = PhaseTaps(s, phase);
            if (taps.Count == 0)
            {
                continue;
            }

            var places = ForwardArguments(s, phase);
            string name = ForwardTapsName(s, phase);
            MatrixKernelEmitter.EmitDispatcher(w, name, Parameters(s, places, "ref float taps"), Arguments(s, places, "ref taps"),
                $"{s.Cell.Title} step for H = {Code.Int(s.Hidden)} for one row, as the forward kernel computes it, writing also {string.Join(", ", taps.Select(t => t.Name))} into taps at offsets {string.Join(", ", taps.Select(t => Code.Int(t.Offset)))}.");
            foreach (var tier in VectorTier.All)
            {
                w.Line(Code.AggressiveOptimization);
                w.Line($"private static void {name}_{tier.Name}({Parameters(s, places, "ref float taps")})");
                using (w.Scope())
                {
                    foreach (var p in places)
                    {
                        w.Line($"ref float {ArgumentName(s, p)}Row = ref {ArgumentName(s, p)};");
                    }

                    w.Line("ref float tapsRow = ref taps;");
                    Code.OverBlocks(w, tier, LoopWidth(s, phase, forward: true), "j", (t, j) =>
                        new Body(s, t, j, places, ["taps", "tapsRow"]).Forward(w, phase, taps));
                }

                w.Line();
            }
        }
    }

    /// <summary>Emits the forward and backward kernels of every phase of a cell.</summary>
    public static void Emit(IndentedWriter w, CellSchedule s)
    {
        foreach (var phase in s.Phases.Where(p => p.HasForwardKernel))
        {
            var places = ForwardArguments(s, phase);
            string name = ForwardName(s, phase);
            MatrixKernelEmitter.EmitDispatcher(w, name, Parameters(s, places, "int count"), Arguments(s, places, "count"), Summary(s, phase, forward: true));
            foreach (var tier in VectorTier.All)
            {
                EmitRows(w, s, tier, name, places, phase, forward: true);
            }
        }

        foreach (var phase in s.Phases.Where(p => p.HasBackwardKernel).Reverse())
        {
            var places = BackwardArguments(s, phase);
            string name = BackwardName(s, phase);
            MatrixKernelEmitter.EmitDispatcher(w, name, Parameters(s, places, "int count"), Arguments(s, places, "count"), Summary(s, phase, forward: false));
            foreach (var tier in VectorTier.All)
            {
                EmitRows(w, s, tier, name, places, phase, forward: false);
            }
        }
    }

    /// <summary>
    /// The forward kernel of a one-phase cell for one row restricted to the hidden units [start, end),
    /// multiples of 32: the share of one thread when a layer is split by units. Element-wise, so any
    /// split gives the bits of the whole row.
    /// </summary>
    public static void EmitForwardUnits(IndentedWriter w, CellSchedule s)
    {
        var phase = s.Phases.Single(p => p.HasForwardKernel);
        var places = ForwardArguments(s, phase);
        string name = ForwardUnitsName(s);
        MatrixKernelEmitter.EmitDispatcher(w, name, Parameters(s, places, "int start, int end"), Arguments(s, places, "start, end"),
            $"{s.Cell.Title} step for H = {Code.Int(s.Hidden)}, one row, the hidden units [start, end) only (multiples of 32).");
        foreach (var tier in VectorTier.All)
        {
            w.Line(Code.AggressiveOptimization);
            w.Line($"private static void {name}_{tier.Name}({Parameters(s, places, "int start, int end")})");
            using (w.Scope())
            {
                foreach (var p in places)
                {
                    w.Line($"ref float {ArgumentName(s, p)}Row = ref {ArgumentName(s, p)};");
                }

                using (w.Open($"for (int j = start; j < end; j += {Code.Int(tier.Width)})"))
                {
                    new Body(s, tier, "j", places).Forward(w, phase);
                }
            }

            w.Line();
        }
    }

    /// <summary>
    /// A forward phase of the cell for one row, written inline in a caller's method (the fused step):
    /// the kernel's body for <paramref name="tier"/>, its arguments the places <paramref name="place"/>
    /// gives. <paramref name="reserved"/> are the caller's locals in scope, which no value may be named.
    /// </summary>
    public static void EmitForwardInline(IndentedWriter w, CellSchedule s, CellPhase phase, VectorTier tier, System.Func<CellPlace, string> place, IEnumerable<string> reserved)
    {
        var places = ForwardArguments(s, phase);
        using (w.Scope())
        {
            foreach (var p in places)
            {
                w.Line($"ref float {ArgumentName(s, p)}Row = {place(p)};");
            }

            Code.OverBlocks(w, tier, LoopWidth(s, phase, forward: true), "j", (t, j) => new Body(s, t, j, places, reserved).Forward(w, phase));
        }
    }

    /// <summary>
    /// The same, its blocks of <paramref name="tier"/>'s width written out one by one (H a multiple of
    /// the width): a value at a place and element for which <paramref name="register"/> names a variable
    /// of the caller (a product's accumulator, a state carried from the last step) is read from it instead
    /// of memory, the stores <paramref name="keep"/> refuses (values kept for a backward pass that never
    /// comes) are left out, and a stored value for which <paramref name="carry"/> names a variable of the
    /// caller is also assigned to it (the new state, carried to the next step in registers).
    /// </summary>
    public static void EmitForwardUnrolled(IndentedWriter w, CellSchedule s, CellPhase phase, VectorTier tier, System.Func<CellPlace, string> place,
        IEnumerable<string> reserved, System.Func<CellPlace, string?> register, System.Func<CellPlace, bool> keep, System.Func<CellPlace, string?>? carry = null)
    {
        var places = ForwardArguments(s, phase);
        var names = reserved.ToList();
        using (w.Scope())
        {
            // The rows still read or written through memory: those read from memory, and those of a kept store.
            var reads = ForwardReads(s, phase).ToList();
            foreach (var p in places.Where(p => (reads.Contains(p) && !IsRegisterPlace(s, p, tier, register))
                || phase.Stores.Any(st => st.Place with { Offset = 0 } == p && keep(st.Place))))
            {
                w.Line($"ref float {ArgumentName(s, p)}Row = {place(p)};");
            }

            for (int j = 0; j < LoopWidth(s, phase, forward: true); j += tier.Width)
            {
                using (w.Scope())
                {
                    new Body(s, tier, Code.Int(j), places, names, register, keep, carry: carry).Forward(w, phase);
                }
            }
        }
    }

    /// <summary>The elements a forward phase's kernel covers for one row (the hidden units, for the cells so far).</summary>
    public static int ForwardWidth(CellSchedule s, CellPhase phase) => LoopWidth(s, phase, forward: true);

    /// <summary>Whether <see cref="EmitForwardUnrolled"/> writes a phase out for a tier: at most four whole blocks.</summary>
    public static bool CanUnroll(CellSchedule s, CellPhase phase, VectorTier tier) =>
        !tier.IsScalar && LoopWidth(s, phase, forward: true) % tier.Width == 0 && LoopWidth(s, phase, forward: true) <= 4 * tier.Width;

    /// <summary>Whether every block of a place's row is read from a register (its row reference is then never used).</summary>
    private static bool IsRegisterPlace(CellSchedule s, CellPlace p, VectorTier tier, System.Func<CellPlace, string?> register) =>
        Enumerable.Range(0, System.Math.Max(1, RowWidth(s, p) / tier.Width)).All(b => register(p with { Offset = b * tier.Width }) is not null);

    private static string Summary(CellSchedule s, CellPhase phase, bool forward)
    {
        string equations = string.Join("; ", s.Cell.Equations);
        string what = s.Phases.Count(p => p.HasForwardKernel) == 1 ? "step" : "step, phase " + Code.Int(phase.Level);
        return forward
            ? $"{s.Cell.Title} {what} for H = {Code.Int(s.Hidden)}: {equations}. Stores the new state and the values kept for the backward pass."
            : $"{s.Cell.Title} backward {what} for H = {Code.Int(s.Hidden)}: from the adjoints of what the phase computed, the adjoints of what it read (derived from the step by reverse-mode differentiation).";
    }

    /// <summary>
    /// Vector blocks of one forward row that the 512-bit tier computes together. Each activation is a
    /// dependent chain ending in a division; with four independent blocks written statement by statement,
    /// the core works on the others while one block's chain completes, where one block per iteration left
    /// it waiting (a 128-unit LSTM cell alone: 0.82× the time; a step of the LSTM 64→128: 0.88–0.90×).
    /// Narrower tiers, with 16 registers, stay at one block.
    /// </summary>
    private const int InterleavedBlocks = 4;

    /// <summary>
    /// A forward row's blocks (see <see cref="Code.OverBlocks"/>): on the 512-bit tier, groups of
    /// <see cref="InterleavedBlocks"/> whole blocks interleaved (see <see cref="EmitInterleaved"/>), then
    /// the remaining whole blocks and the narrower tail one at a time. The same operations on the same
    /// elements: only their order in the instruction stream differs.
    /// </summary>
    private static void EmitForwardBlocks(IndentedWriter w, CellSchedule s, VectorTier tier, CellPhase phase, IReadOnlyList<CellPlace> places)
    {
        int length = LoopWidth(s, phase, forward: true);
        int group = InterleavedBlocks * tier.Width;
        if (tier.Width < 16 || length < group)
        {
            Code.OverBlocks(w, tier, length, "j", (t, j) => new Body(s, t, j, places).Forward(w, phase));
            return;
        }

        var (mainEnd, tail) = tier.Split(length);
        int groupEnd = mainEnd - (mainEnd % group);

        // A single group is a scope at constant offsets, not a loop that runs once.
        bool once = groupEnd == group;
        using (once ? w.Scope() : w.Open($"for (int j = 0; j < {Code.Int(groupEnd)}; j += {Code.Int(group)})"))
        {
            EmitInterleaved(w, phase, Enumerable.Range(0, InterleavedBlocks)
                .Select(b => new Body(s, tier, once ? Code.Int(b * tier.Width) : b == 0 ? "j" : "j + " + Code.Int(b * tier.Width), places,
                    suffix: b == 0 ? "" : "_" + Code.Int(b)))
                .ToList());
        }

        for (int j = groupEnd; j < mainEnd; j += tier.Width)
        {
            using (w.Scope())
            {
                new Body(s, tier, Code.Int(j), places).Forward(w, phase);
            }
        }

        foreach (var (narrower, offset) in tail)
        {
            using (w.Scope())
            {
                new Body(s, narrower, Code.Int(offset), places).Forward(w, phase);
            }
        }
    }

    /// <summary>
    /// Several blocks' forward bodies, statement by statement: the first block's statement (with its
    /// comment), then the same statement of each other block, and so on; then every block's stores. The
    /// blocks cover different elements, so no store can change what another block loads.
    /// </summary>
    private static void EmitInterleaved(IndentedWriter w, CellPhase phase, IReadOnlyList<Body> bodies)
    {
        var statements = new List<List<(List<string> Comments, string Line)>>();
        var stores = new List<string[]>();
        foreach (var body in bodies)
        {
            var values = new IndentedWriter();
            var stored = new IndentedWriter();
            body.Forward(values, phase, stores: stored);
            var lines = new List<(List<string> Comments, string Line)>();
            var comments = new List<string>();
            foreach (string line in Lines(values))
            {
                if (line.StartsWith("//", System.StringComparison.Ordinal))
                {
                    comments.Add(line);
                    continue;
                }

                lines.Add((comments, line));
                comments = new List<string>();
            }

            statements.Add(lines);
            stores.Add(Lines(stored));
        }

        // Every block is the same cell at another offset, so the statements correspond one to one.
        for (int i = 0; i < statements.Max(lines => lines.Count); i++)
        {
            for (int b = 0; b < statements.Count; b++)
            {
                if (i >= statements[b].Count)
                {
                    continue;
                }

                if (b == 0)
                {
                    statements[b][i].Comments.ForEach(c => w.Line(c));
                }

                w.Line(statements[b][i].Line);
            }
        }

        foreach (string line in stores.SelectMany(lines => lines))
        {
            w.Line(line);
        }
    }

    /// <summary>The non-empty lines a writer holds.</summary>
    private static string[] Lines(IndentedWriter w) =>
        w.ToString().Split(['\n'], System.StringSplitOptions.RemoveEmptyEntries);

    private static void EmitRows(IndentedWriter w, CellSchedule s, VectorTier tier, string name, IReadOnlyList<CellPlace> places, CellPhase phase, bool forward)
    {
        w.Line(Code.AggressiveOptimization);
        w.Line($"private static void {name}_{tier.Name}({Parameters(s, places, "int count")})");
        using (w.Scope())
        {
            using (w.Open("for (int b = 0; b < count; b++)"))
            {
                foreach (var p in places)
                {
                    int stride = RowWidth(s, p);
                    string arg = ArgumentName(s, p);
                    w.Line(stride == 0 ? $"ref float {arg}Row = ref {arg};" : $"ref float {arg}Row = {Code.RefAt(arg, "b * " + Code.Int(stride))};");
                }

                if (forward)
                {
                    EmitForwardBlocks(w, s, tier, phase, places);
                }
                else
                {
                    Code.OverBlocks(w, tier, LoopWidth(s, phase, forward), "j", (t, j) => new Body(s, t, j, places).Backward(w, phase));
                }
            }
        }

        w.Line();
    }

    /// <summary>
    /// One vector block of a kernel. A value that is named, stored or used more than once becomes a
    /// variable; any other is written inline where it is used (the same operations in the same order,
    /// so the same bits). Every stored value is computed before the first store.
    /// </summary>
    private sealed class Body
    {
        private const int Atom = 3, Product = 2, Sum = 1;

        private readonly CellSchedule _s;
        private readonly VectorTier _t;
        private readonly string _j;
        private readonly string _suffix;
        private readonly System.Func<CellPlace, string?>? _register;
        private readonly System.Func<CellPlace, bool>? _keep;
        private readonly System.Func<CellPlace, string?>? _carry;
        private readonly Dictionary<int, (string Text, int Precedence)> _values = new();
        private readonly Dictionary<int, (string Text, int Precedence)> _adjoints = new();
        private readonly Dictionary<int, int> _valueUses = new();
        private readonly Dictionary<int, int> _adjointUses = new();
        private readonly HashSet<string> _names = new();
        private IndentedWriter _w = null!;
        private bool _backward;
        private int _level;

        public Body(CellSchedule s, VectorTier t, string j, IEnumerable<CellPlace> arguments, IEnumerable<string>? reserved = null,
            System.Func<CellPlace, string?>? register = null, System.Func<CellPlace, bool>? keep = null, string suffix = "",
            System.Func<CellPlace, string?>? carry = null)
        {
            _s = s;
            _t = t;
            _j = j;
            _suffix = suffix;
            _register = register;
            _keep = keep;
            _carry = carry;

            // The names the kernel itself declares or calls around a block: a value named after one
            // (a cell's local "count" or "At") gets a suffix instead of hiding it.
            _names.UnionWith(["b", "j", "count", "start", "end", "At"]);
            _names.UnionWith(reserved ?? []);
            foreach (var p in arguments)
            {
                _names.Add(ArgumentName(s, p));
                _names.Add(ArgumentName(s, p) + "Row");
            }
        }

        private string Load(CellPlace p) =>
            _register is not null && _register(p with { Offset = p.Offset + int.Parse(_j, System.Globalization.CultureInfo.InvariantCulture) }) is { } name
                ? name
                : _t.Load(ArgumentName(_s, p) + "Row", Code.Offset(p.Offset, _j));

        private string Store(string value, CellPlace p) => _t.Store(value, ArgumentName(_s, p) + "Row", Code.Offset(p.Offset, _j));

        private string Fresh(string name)
        {
            // do, in, …: the adjoint of o is a keyword
            if (Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None)
            {
                name = "@" + name;
            }

            // A block written beside others names its values apart from theirs.
            name += _suffix;
            string candidate = name;
            for (int i = 2; !_names.Add(candidate); i++)
            {
                candidate = name + Code.Int(i);
            }

            return candidate;
        }

        private string Constant(float value) =>
            value == 0f ? _t.Zero : value == 1f ? _t.One : _t.Broadcast(Code.Float(value));

        private string Call(string function, string a) => function switch
        {
            "Abs" => _t.IsScalar ? $"global::System.MathF.Abs({a})" : $"global::System.Runtime.Intrinsics.{_t.Name}.Abs({a})",
            _ => $"{Code.Activations}.{function}({a})",
        };

        /// <summary>"-a"; "-(-a)" for a negation, which "--a" would decrement.</summary>
        private static string Negated((string Text, int Precedence) operand) =>
            "-" + (operand.Text.StartsWith("-", System.StringComparison.Ordinal) ? "(" + operand.Text + ")" : Operand(operand, Atom));

        /// <summary>An operand's text, in parentheses where the operator binds tighter than it.</summary>
        private static string Operand((string Text, int Precedence) operand, int precedence, bool right = false) =>
            operand.Precedence < precedence || (right && operand.Precedence == precedence) ? "(" + operand.Text + ")" : operand.Text;

        private static (string, int) Binary(string op, (string, int) a, (string, int) b)
        {
            int precedence = op is "*" or "/" ? Product : Sum;
            return ($"{Operand(a, precedence)} {op} {Operand(b, precedence, right: true)}", precedence);
        }

        /// <summary>Whether a node is computed by this kernel (rather than loaded).</summary>
        private bool Computed(int node)
        {
            var n = _s.Cell.Nodes[node];
            if (n.IsLeaf)
            {
                return false;
            }

            return _backward ? BackwardPlace(_s, node) is null : _s.PhaseOf(node) == _level;
        }

        private void CountValue(int node)
        {
            _valueUses[node] = _valueUses.TryGetValue(node, out int uses) ? uses + 1 : 1;
            if (uses == 0 && Computed(node))
            {
                var n = _s.Cell.Nodes[node];
                CountValue(n.A);
                if (n.B >= 0)
                {
                    CountValue(n.B);
                }
            }
        }

        private void CountAdjoint(int expr)
        {
            var e = _s.Adjoints.Exprs[expr];
            if (e.Op == AdjointOp.Forward)
            {
                // every use of a forward value counts: it is read where the adjoint expression is
                CountValue(e.Node);
                return;
            }

            _adjointUses[expr] = _adjointUses.TryGetValue(expr, out int uses) ? uses + 1 : 1;
            if (uses > 0)
            {
                return;
            }

            if (e.A >= 0)
            {
                CountAdjoint(e.A);
            }

            if (e.B >= 0)
            {
                CountAdjoint(e.B);
            }
        }

        /// <summary>A forward value: loaded, or computed from its operands (a variable when named or used again).</summary>
        private (string Text, int Precedence) Value(int node, bool stored = false)
        {
            if (_values.TryGetValue(node, out var known))
            {
                return known;
            }

            var n = _s.Cell.Nodes[node];
            (string Text, int Precedence) value;
            if (n.Op == CellOp.Constant)
            {
                return (Constant(n.Constant), Atom);
            }

            if (!Computed(node))
            {
                value = (Load(_backward ? BackwardPlace(_s, node)! : ForwardPlace(_s, node, _level)), Atom);
                if (!stored && (!_valueUses.TryGetValue(node, out int loads) || loads < 2))
                {
                    return value;
                }
            }
            else
            {
                value = Expression(n);
            }

            string given = _s.Cell.Names[node];
            bool variable = stored || given.Length > 0 || (_valueUses.TryGetValue(node, out int uses) && uses > 1);
            if (variable)
            {
                string name = Fresh(given.Length > 0 ? given : "v" + Code.Int(node));
                if (!_backward && Computed(node) && _s.Cell.Comments[node] is { Length: > 0 } comment)
                {
                    _w.Line("// " + comment);
                }

                _w.Line($"var {name} = {value.Text};");
                value = (name, Atom);
            }

            _values[node] = value;
            return value;
        }

        private (string, int) Expression(CellNode n)
        {
            var a = n.A >= 0 ? Value(n.A) : default;
            var b = n.B >= 0 ? Value(n.B) : default;
            return n.Op switch
            {
                CellOp.Add => Binary("+", a, b),
                CellOp.Subtract => Binary("-", a, b),
                CellOp.Multiply => Binary("*", a, b),
                CellOp.Negate => (Negated(a), Atom),
                CellOp.Sigmoid => (Call(Code.Sigmoid(_s.Rational), a.Text), Atom),
                CellOp.Tanh => (Call(Code.Tanh(_s.Rational), a.Text), Atom),
                CellOp.Relu => (Call("Relu", a.Text), Atom),
                CellOp.Exp => (Call("Exp", a.Text), Atom),
                CellOp.Softsign => (Call("Softsign", a.Text), Atom),
                _ => (Call("HardSigmoid", a.Text), Atom),
            };
        }

        public void Forward(IndentedWriter w, CellPhase phase, IReadOnlyList<CellTap>? taps = null, IndentedWriter? stores = null)
        {
            _w = w;
            _level = phase.Level;
            foreach (var (_, node) in phase.Stores)
            {
                CountValue(node);
            }

            taps ??= [];
            foreach (var tap in taps)
            {
                CountValue(tap.Node);
            }

            // Every value is computed before the first store: a store may overwrite what a later value would load.
            var stored = phase.Stores.Select(st => (st.Place, Value: Value(st.Node, stored: true).Text)).ToList();
            var tapped = taps.Select(tap => (tap.Offset, Value: Value(tap.Node, stored: true).Text)).ToList();
            stores ??= w;
            foreach (var (place, value) in stored.Where(st => _keep is null || _keep(st.Place)))
            {
                stores.Line(Store(value, place));
            }

            foreach (var (place, value) in stored)
            {
                if (_carry?.Invoke(place with { Offset = place.Offset + int.Parse(_j, System.Globalization.CultureInfo.InvariantCulture) }) is { } carried)
                {
                    stores.Line($"{carried} = {value};");
                }
            }

            foreach (var (offset, value) in tapped)
            {
                stores.Line(_t.Store(value, "tapsRow", Code.Offset(offset, _j)));
            }
        }

        public void Backward(IndentedWriter w, CellPhase phase)
        {
            _w = w;
            _backward = true;
            foreach (var write in phase.Writes)
            {
                CountAdjoint(write.Expr);
            }

            var written = phase.Writes.Select(write => (Write: write, Value: Adjoint(write.Expr, stored: true).Text)).ToList();
            foreach (var (write, value) in written)
            {
                w.Line(write.Accumulate ? Store($"{Load(write.Place)} + {value}", write.Place) : Store(value, write.Place));
            }
        }

        /// <summary>An adjoint expression (a variable when stored, used again or the adjoint of a named value).</summary>
        private (string Text, int Precedence) Adjoint(int expr, bool stored = false)
        {
            if (_adjoints.TryGetValue(expr, out var known))
            {
                return known;
            }

            var e = _s.Adjoints.Exprs[expr];
            (string Text, int Precedence) value;
            switch (e.Op)
            {
                case AdjointOp.Forward:
                    return Value(e.Node);
                case AdjointOp.Constant:
                    return (Constant(e.Constant), Atom);
                case AdjointOp.Seed:
                    value = (Load(SeedPlace(e.Seed!)), Atom);
                    break;
                default:
                    var a = e.A >= 0 ? Adjoint(e.A) : default;
                    var b = e.B >= 0 ? Adjoint(e.B) : default;
                    value = e.Op switch
                    {
                        AdjointOp.Add => Binary("+", a, b),
                        AdjointOp.Subtract => Binary("-", a, b),
                        AdjointOp.Multiply => Binary("*", a, b),
                        AdjointOp.Divide => Binary("/", a, b),
                        AdjointOp.Negate => (Negated(a), Atom),
                        AdjointOp.Abs => (Call("Abs", a.Text), Atom),
                        AdjointOp.SelectPositive => (_t.SelectPositive(a.Text, b.Text), Atom),
                        _ => (_t.IsScalar
                            ? $"({a.Text} > -3f && {a.Text} < 3f ? {b.Text} : 0f)"
                            : $"global::System.Runtime.Intrinsics.{_t.Name}.ConditionalSelect(global::System.Runtime.Intrinsics.{_t.Name}.GreaterThan({a.Text}, {_t.Broadcast("-3f")}) & global::System.Runtime.Intrinsics.{_t.Name}.LessThan({a.Text}, {_t.Broadcast("3f")}), {b.Text}, {_t.Zero})", Atom),
                    };
                    break;
            }

            string? named = e.Op == AdjointOp.Seed ? SeedName(e.Seed!) : _s.AdjointOf.TryGetValue(expr, out int node) && DisplayName(node) is { } n ? "d" + n : null;
            if (stored || named is not null || (_adjointUses.TryGetValue(expr, out int uses) && uses > 1))
            {
                string name = Fresh(named ?? "d" + Code.Int(expr));
                _w.Line($"var {name} = {value.Text};");
                value = (name, Atom);
            }

            _adjoints[expr] = value;
            return value;
        }

        /// <summary>A node's name, or for the unnamed argument of a named function ("σ(…) = i") that name + "Pre".</summary>
        private string? DisplayName(int node)
        {
            if (_s.Cell.Names[node].Length > 0)
            {
                return _s.Cell.Names[node];
            }

            for (int u = node + 1; u < _s.Cell.Nodes.Count; u++)
            {
                var user = _s.Cell.Nodes[u];
                if (user.A == node && user.B < 0 && !user.IsLeaf && _s.Cell.Names[u].Length > 0)
                {
                    return _s.Cell.Names[u] + "Pre";
                }
            }

            return null;
        }

        private string SeedName(CellSeed seed) => seed.Kind switch
        {
            CellSeedKind.FromAbove => "dFromAbove",
            CellSeedKind.Carry => "d" + _s.Cell.States[seed.Index].Name + "Carried",
            _ => "d" + (_s.Cell.Names[seed.Index] is { Length: > 0 } n ? n : "v" + Code.Int(seed.Index)) + "Later",
        };
    }
}

/// <summary>
/// One value a layer's taps read: a named value of the cell (<paramref name="Node"/>, or −1 for a state copied
/// after the step), the state it is the new value of (<paramref name="State"/>, or −1), at <paramref name="Offset"/>
/// in the layer's part of the tap vector.
/// </summary>
internal sealed record CellTap(string Name, int Node, int State, int Offset, int Width);
