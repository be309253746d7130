using System;
using System.Linq;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// The one way the model's drivers call a cell: a step's per-step products and element-wise kernels,
/// forward or backward, with every argument given by a place resolver of the caller's context (the
/// batch's rows of step t, a stream's state and scratch, a share of hidden units).
/// </summary>
internal static partial class ModelEmitter
{
    /// <summary>The weights, packed weights and bias of a product group, as kernel arguments.</summary>
    private static (string Packed, string Bias, string Weight) GroupArguments(StagePlan s, ProductGroup g) =>
        (U("q", "Layout." + s.PackedGroups[g.Index].Name), g.HasBias ? U("p", GroupBiasAt(s, g)) : U("q", "Layout.PackedZeros"), U("p", GroupWeightAt(s, g)));

    /// <summary>"Layout.Packed_…": the packed weights of a product group (the same element offset in a compact copy).</summary>
    private static string GroupPackedRegion(StagePlan s, ProductGroup g) => "Layout." + s.PackedGroups[g.Index].Name;

    /// <summary>
    /// The locals the products of an inference path read their weights through, after "ref float q":
    /// format is the <c>WeightFormat</c> they read, qc the bytes of its compact copy and qs the int8 copy's
    /// scales (both q itself, never read as such, when the format does not use them).
    /// </summary>
    private static void DeclareInferenceWeights(IndentedWriter w, bool forward = false)
    {
        if (forward)
        {
            w.Line("// The weights the products read: the compact copy of the packed weights when this is Forward's pass and InferenceWeights selects one.");
            w.Line("var format = _forwardFormat;");
        }
        else
        {
            w.Line("// The weights the products read: the compact copy of the packed weights when InferenceWeights selects one.");
            w.Line("var format = _inferenceWeights;");
        }

        w.Line($"ref float compact = ref format != {Rt}WeightFormat.Float32 ? ref _compactWeights!.Reference : ref q;");
        w.Line($"ref byte qc = ref {Code.Unsafe}.As<float, byte>(ref compact);");
        w.Line($"ref float qs = ref format == {Rt}WeightFormat.Int8 ? ref Kernels.At(ref compact, Layout.Int8Scales) : ref q;");
    }

    /// <summary>
    /// One product y = x·Wᵀ + b reading the packed weights at <paramref name="region"/>: in an inference
    /// path (<paramref name="inference"/>), from the compact copy of the format it reads (see
    /// <see cref="DeclareInferenceWeights"/>); otherwise from the float32 panels.
    /// </summary>
    private static void EmitProduct(IndentedWriter w, bool inference, string kernel, string kernelInference, string x, string region, string bias, string y, string rows)
    {
        w.Line(inference
            ? $"Kernels.{kernelInference}(format, {x}, ref q, ref qc, ref qs, {region}, {region}Scales, {bias}, {y}, {rows});"
            : $"Kernels.{kernel}({x}, {U("q", region)}, {bias}, {y}, {rows});");
    }

    /// <summary>A whole product (<c>Linear</c>) of an N × K matrix, see <see cref="EmitProduct"/>.</summary>
    private static void EmitLinear(IndentedWriter w, bool inference, int n, int k, string x, string region, string bias, string y, string rows) =>
        EmitProduct(w, inference, MatrixKernelEmitter.LinearName(n, k), MatrixKernelEmitter.LinearInferenceName(n, k), x, region, bias, y, rows);

    /// <summary>The hidden units [u0, u1) of a product (<c>LinearUnits</c>), see <see cref="EmitProduct"/>.</summary>
    private static void EmitLinearUnits(IndentedWriter w, bool inference, int gates, int h, int k, string x, string region, string bias, string y) =>
        EmitProduct(w, inference, MatrixKernelEmitter.UnitsName(gates, h, k), MatrixKernelEmitter.UnitsInferenceName(gates, h, k), x, region, bias, y, "u0, u1");

    /// <summary>"Layout.w" (+ the offset of the group's first block): where a product group's weights start.</summary>
    private static string GroupWeightAt(StagePlan s, ProductGroup g) =>
        P(s.GroupWeight(g)) + (s.GroupWeightOffset(g) > 0 ? " + " + Code.Int(s.GroupWeightOffset(g)) : "");

    /// <summary>Where a product group's bias starts.</summary>
    private static string GroupBiasAt(StagePlan s, ProductGroup g) =>
        P(s.GroupBias(g)!) + (s.GroupBiasOffset(g) > 0 ? " + " + Code.Int(s.GroupBiasOffset(g)) : "");

    /// <summary>Where the value a product reads lives: a state before the step, or a kept value.</summary>
    private static CellPlace SourcePlace(StagePlan s, ProductGroup g)
    {
        var n = s.Schedule.Cell.Nodes[g.Source];
        return n.Op == CellOp.State ? new CellPlace(CellPlaceKind.StateOld, n.Index, 0) : s.Schedule.KeptPlace(g.Source);
    }

    /// <summary>Where the adjoint of the value a product reads is accumulated.</summary>
    private static CellPlace SourceGradientPlace(StagePlan s, ProductGroup g)
    {
        var n = s.Schedule.Cell.Nodes[g.Source];
        return n.Op == CellOp.State ? new CellPlace(CellPlaceKind.Carry, n.Index, 0) : new CellPlace(CellPlaceKind.ValueGradient, g.Source, 0);
    }

    private static string CellArguments(System.Collections.Generic.IReadOnlyList<CellPlace> places, Func<CellPlace, string> place) =>
        string.Join(", ", places.Select(place));

    /// <summary>
    /// One step of a layer's cell for <paramref name="rows"/> rows: each phase's products (h·W_hhᵀ + b_hh
    /// for the built-in cells), then its element-wise kernel. The hoisted products are the caller's.
    /// </summary>
    private static void EmitCellForward(IndentedWriter w, StagePlan s, Func<CellPlace, string> place, string rows, bool inference = false, string? taps = null)
    {
        var schedule = s.Schedule;
        foreach (var phase in schedule.Phases)
        {
            foreach (var g in phase.Products)
            {
                var (_, bias, _) = GroupArguments(s, g);
                EmitLinear(w, inference, g.Rows, g.Columns, place(SourcePlace(s, g)), GroupPackedRegion(s, g), bias, place(new CellPlace(CellPlaceKind.Projection, g.Index, 0)), rows);
            }

            if (taps is not null && CellKernelEmitter.PhaseTaps(schedule, phase).Count > 0)
            {
                // One row, also writing the phase's named values into the layer's taps.
                EmitKernelCall(w, schedule, CellKernelEmitter.ForwardTapsName(schedule, phase), CellKernelEmitter.ForwardArguments(schedule, phase), place, taps);
            }
            else if (phase.HasForwardKernel)
            {
                EmitKernelCall(w, schedule, CellKernelEmitter.ForwardName(schedule, phase), CellKernelEmitter.ForwardArguments(schedule, phase), place, rows);
            }
        }
    }

    /// <summary>The same step for one row, restricted to the hidden units [u0, u1) (a one-phase cell split between threads).</summary>
    private static void EmitCellForwardUnits(IndentedWriter w, StagePlan s, Func<CellPlace, string> place, bool inference = false)
    {
        var schedule = s.Schedule;
        foreach (var g in schedule.Phases.SelectMany(p => p.Products))
        {
            var (_, bias, _) = GroupArguments(s, g);
            EmitLinearUnits(w, inference, g.Rows / s.Hidden, s.Hidden, g.Columns, place(SourcePlace(s, g)), GroupPackedRegion(s, g), bias, place(new CellPlace(CellPlaceKind.Projection, g.Index, 0)));
        }

        var phase = schedule.Phases.Single(p => p.HasForwardKernel);
        var places = CellKernelEmitter.ForwardArguments(schedule, phase);
        w.Line($"Kernels.{CellKernelEmitter.ForwardUnitsName(schedule)}({CellArguments(places, place)}, u0, u1);");
    }

    /// <summary>
    /// One step of a layer's cell backwards for <paramref name="rows"/> rows: each phase's backward
    /// kernel, last phase first, then the input gradients of its products (∂L/∂h_{t−1} += dGh·W_hh for
    /// the built-in cells).
    /// </summary>
    private static void EmitCellBackward(IndentedWriter w, StagePlan s, Func<CellPlace, string> place, string rows)
    {
        var schedule = s.Schedule;
        foreach (var phase in schedule.Phases.Reverse())
        {
            if (phase.HasBackwardKernel)
            {
                EmitKernelCall(w, schedule, CellKernelEmitter.BackwardName(schedule, phase), CellKernelEmitter.BackwardArguments(schedule, phase), place, rows);
            }

            foreach (int node in phase.ClearBeforeProducts)
            {
                w.Line($"// the products below are the first to add to d{schedule.Cell.Names[node]}");
                w.Line($"{Sys}Runtime.InteropServices.MemoryMarshal.CreateSpan({place(new CellPlace(CellPlaceKind.ValueGradient, node, 0))}, {rows} * {Code.Int(schedule.NodeWidth(node))}).Clear();");
            }

            foreach (var g in phase.Products)
            {
                var (_, _, weight) = GroupArguments(s, g);
                var source = schedule.Cell.Nodes[g.Source];
                string what = source.Op == CellOp.State ? schedule.Cell.States[source.Index].Name + "_{t−1}" : schedule.Cell.Names[g.Source];
                string dy = CellKernelEmitter.ArgumentName(schedule, new CellPlace(CellPlaceKind.ProductGradient, schedule.GradientOf[g.Index], 0));
                w.Line($"// ∂L/∂{what} += {dy}·{string.Join(" ‖ ", g.Segments.Select(seg => schedule.Cell.Parameters[seg.Matrix].Name))}");
                w.Line($"Kernels.{MatrixKernelEmitter.InputGradientName(g.Rows, g.Columns)}({place(new CellPlace(CellPlaceKind.ProductGradient, schedule.GradientOf[g.Index], 0))}, {weight}, {place(SourceGradientPlace(s, g))}, {rows});");
            }
        }
    }

    /// <summary>A cell kernel's call, one argument a line with the kernel's name for it.</summary>
    private static void EmitKernelCall(IndentedWriter w, CellSchedule schedule, string kernel, System.Collections.Generic.IReadOnlyList<CellPlace> places, Func<CellPlace, string> place, string rows)
    {
        w.Line($"Kernels.{kernel}(");
        foreach (var p in places)
        {
            w.Line($"    {place(p)}, // {CellKernelEmitter.ArgumentName(schedule, p)}");
        }

        w.Line($"    {rows});");
    }

    /// <summary>The hoisted product groups of a layer and each one's offset in a step's gates scratch.</summary>
    private static int HoistedOffset(StagePlan s, ProductGroup g) =>
        s.Schedule.Groups.Where(x => x.Hoisted && x.Index < g.Index).Sum(x => x.Rows);

    /// <summary>A kept value's offset in a step's scratch of kept values.</summary>
    private static int KeptOffset(StagePlan s, int node) =>
        s.Schedule.Kept.Values.Where(k => k.Overlay < 0 && k.Node < node).Sum(k => k.Width);
}
