using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Models;

namespace RnnGen.Generator.Planning;

/// <summary>
/// The Roslyn-free lowering of a <see cref="ModelSpec"/>: the parameter list with PyTorch names and
/// shapes, one <see cref="StagePlan"/> per recurrent layer (stacked layers flattened), and the
/// layout of every buffer the generated code uses.
/// </summary>
/// <remarks>
/// Activations are stored time-major, <c>[T, B, features]</c>, so the rows of one time step are
/// contiguous and the input projections of all time steps form one <c>[T·B, features]</c> matrix.
/// Hidden and cell states have T + 1 rows per batch entry: row 0 is the initial (zero) state.
/// </remarks>
internal sealed class ModelPlan
{
    private ModelPlan(ModelSpec spec)
    {
        Spec = spec;
        Parameters = new BufferLayout("parameters (and, with the same layout, gradients)");
        Activations = new BufferLayout("activations cached by the forward pass and the backward pass's temporaries");
        StepScratch = new BufferLayout("scratch for one streaming step");
        StateLayout = new BufferLayout("the recurrent state of one stream");
        Packed = new BufferLayout("the weight matrices transposed into the panels the forward kernels read");
    }

    public ModelSpec Spec { get; }

    public int T => Spec.SequenceLength;

    public int B => Spec.BatchSize;

    public int InputFeatures => Spec.Input.Features;

    public int Outputs => Spec.Dense.Outputs;

    /// <summary>Which hidden states the dense head reads.</summary>
    public Readout Readout => Spec.Dense.Readout;

    /// <summary>Whether the head reads one vector per sequence (many-to-one) instead of every step.</summary>
    public bool ManyToOne => Readout != Readout.EveryStep;

    /// <summary>Rows of the head's output: T·B time-major rows, or B rows (one per sequence) for a many-to-one readout.</summary>
    public long HeadRows => ManyToOne ? B : (long)T * B;

    /// <summary>The C# expression of <see cref="HeadRows"/> in terms of the generated constants.</summary>
    public string HeadRowsExpression => ManyToOne ? "BatchSize" : "SequenceLength * BatchSize";

    public IReadOnlyList<StagePlan> Stages { get; private set; } = Array.Empty<StagePlan>();

    public IReadOnlyList<ParameterPlan> ParameterList { get; private set; } = Array.Empty<ParameterPlan>();

    public ParameterPlan? EmbeddingWeight { get; private set; }

    public ParameterPlan DenseWeight { get; private set; } = null!;

    public ParameterPlan DenseBias { get; private set; } = null!;

    public BufferLayout Parameters { get; }

    public BufferLayout Activations { get; }

    public BufferLayout StepScratch { get; }

    public BufferLayout StateLayout { get; }

    /// <summary>Wᵀ of every weight matrix a forward product reads, in panels (see MatrixKernelEmitter.Pack).</summary>
    public BufferLayout Packed { get; }

    /// <summary>The packed transpose of the dense weight.</summary>
    public BufferRegion PackedDense { get; private set; } = null!;

    /// <summary>[T, B, InputFeatures]: the first stage's input (gathered embeddings or transposed features).</summary>
    public BufferRegion X0 { get; private set; } = null!;

    /// <summary>[T, B, O] (or [B, O] many-to-one): the dense head's output.</summary>
    public BufferRegion Y { get; private set; } = null!;

    /// <summary>[T, B, O] (or [B, O] many-to-one): d(loss)/d(output).</summary>
    public BufferRegion DY { get; private set; } = null!;

    /// <summary>Width of the dense head's input: the top hidden size, plus the memory size with attention.</summary>
    public int HeadInputSize { get; private set; }

    public ParameterPlan? QueryWeight { get; private set; }

    public ParameterPlan? KeyWeight { get; private set; }

    public ParameterPlan? KeyBias { get; private set; }

    public ParameterPlan? ScoreWeight { get; private set; }

    public BufferRegion? PackedQuery { get; private set; }

    public BufferRegion? PackedKey { get; private set; }

    public BufferRegion? Memory { get; private set; }

    public BufferRegion? MemoryGradient { get; private set; }

    public BufferRegion? Keys { get; private set; }

    public BufferRegion? DK { get; private set; }

    public BufferRegion? Queries { get; private set; }

    public BufferRegion? DQ { get; private set; }

    public BufferRegion? AttentionTanh { get; private set; }

    public BufferRegion? Alpha { get; private set; }

    public BufferRegion? ScorePartial { get; private set; }

    public BufferRegion? Zeros { get; private set; }

    public BufferRegion? Discard { get; private set; }

    /// <summary>[T, B, H + Hm]: the head's input with attention.</summary>
    public BufferRegion? HeadInput { get; private set; }

    public BufferRegion? DHeadInput { get; private set; }

    public BufferRegion? StateMemory { get; private set; }

    public BufferRegion? StateKeys { get; private set; }

    public BufferRegion? StateMemoryLength { get; private set; }

    public BufferRegion? StepQuery { get; private set; }

    public BufferRegion? StepTanh { get; private set; }

    public BufferRegion? StepAlpha { get; private set; }

    public BufferRegion? StepHeadInput { get; private set; }

    /// <summary>Zeros, the bias of products that have none (in the packed buffer, which every product reads).</summary>
    public BufferRegion? PackedZeros { get; private set; }

    /// <summary>Where the weight-gradient kernel writes the absent bias gradient of such a product.</summary>
    public BufferRegion? BiasDiscard { get; private set; }

    /// <summary>[B, F]: the conditioning vectors (conditioned models only).</summary>
    public BufferRegion? Cond { get; private set; }

    /// <summary>[B, F]: d(loss)/d(conditioning vectors) (conditioned models only).</summary>
    public BufferRegion? DCond { get; private set; }

    /// <summary>[B, H_top]: the readout the head reads (many-to-one only).</summary>
    public BufferRegion? R { get; private set; }

    /// <summary>[B, H_top]: d(loss)/d(readout) (many-to-one only).</summary>
    public BufferRegion? DR { get; private set; }

    /// <summary>[H_top]: the running sum of the top layer's hidden states in a stream's state (mean readout only).</summary>
    public BufferRegion? StateReadoutSum { get; private set; }

    /// <summary>[1]: the number of steps summed into <see cref="StateReadoutSum"/>, as a float (mean readout only).</summary>
    public BufferRegion? StateReadoutCount { get; private set; }

    /// <summary>[T, B, InputFeatures]: d(loss)/d(first stage input); embeddings only.</summary>
    public BufferRegion? DX0 { get; private set; }

    /// <summary>[B, maxGates·maxHidden]: h·W_hhᵀ + b_hh for one time step.</summary>
    public BufferRegion HiddenProjection { get; private set; } = null!;

    /// <summary>[B, rows] per per-step product of a layer, by its order among the layer's per-step products (HiddenProjection first).</summary>
    public IReadOnlyList<BufferRegion> Projections { get; private set; } = Array.Empty<BufferRegion>();

    /// <summary>[rows] per per-step product, for one stream's step.</summary>
    public IReadOnlyList<BufferRegion> StepProjections { get; private set; } = Array.Empty<BufferRegion>();

    /// <summary>The widest per-step product of each order among the layers' per-step products (at least one, for the scratch's sake).</summary>
    public IReadOnlyList<int> ProjectionWidths => _projectionWidths;

    private readonly List<int> _projectionWidths = new();

    /// <summary>[B, maxHidden] per state index: d(loss)/d(s_{t−1}) carried backwards through time (DHNext, DCNext).</summary>
    public IReadOnlyList<BufferRegion> Carries { get; private set; } = Array.Empty<BufferRegion>();

    /// <summary>The most states of any layer's cell.</summary>
    public int MaxStates { get; private set; }

    /// <summary>The most floats a layer keeps per row in buffers of their own (tanh(c) of an LSTM, W_hn·h + b_hn of a GRU).</summary>
    public int MaxKept { get; private set; }

    public BufferRegion StepGates { get; private set; } = null!;

    public BufferRegion StepHiddenProjection { get; private set; } = null!;

    public BufferRegion StepTemp { get; private set; } = null!;

    /// <summary>[H_top]: a stream's mean readout (mean readout only).</summary>
    public BufferRegion? StepReadout { get; private set; }

    public int MaxHidden { get; private set; }

    /// <summary>Dropout on the top layer's outputs (what the attention and the head read), or null.</summary>
    public DropoutPlan? HeadDropout { get; private set; }

    /// <summary>Every dropout site, in site order: the layers' inputs, then the head's.</summary>
    public IEnumerable<DropoutPlan> DropoutSites =>
        Stages.Select(s => s.InputDropout).Concat(new[] { HeadDropout }).Where(d => d is not null).Select(d => d!);

    /// <summary>Whether the model has any dropout.</summary>
    public bool HasDropout => DropoutSites.Any();

    public int MaxGateWidth { get; private set; }

    /// <summary>How a packed region's description names its row copy (see MatrixKernelEmitter.HasRowCopy), if it has one.</summary>
    private static string RowCopy(int n) => Emission.MatrixKernelEmitter.HasRowCopy(n) ? " and its row copy" : "";

    /// <summary>Hidden units per share when a layer is split by units between threads: one packed panel of Wᵀ.</summary>
    public const int UnitShare = Emission.MatrixKernelEmitter.PanelWidth;

    /// <summary>
    /// Multiply–adds a single stream's step must have before Step splits it between threads (256 KB of
    /// weights): below that, starting the workers costs about as much as halving the weight reads saves.
    /// </summary>
    public const long SplitStepMinimum = 65_536;

    /// <summary>Multiply–adds of one stream's step: every projection and the head.</summary>
    public long StepMultiplyAdds =>
        Stages.Sum(s => s.Schedule.Groups.Sum(g => (long)g.Rows * g.Columns)) + ((long)Outputs * HeadInputSize);

    /// <summary>
    /// Whether every recurrent layer can be split by hidden units between threads: each hidden size a
    /// multiple of <see cref="UnitShare"/> and at least two shares. Attention decoders are not split.
    /// </summary>
    public bool UnitSplittable => Spec.Attention is null && Stages.All(s => s.Hidden % UnitShare == 0 && s.Hidden >= 2 * UnitShare
        && s.Schedule.IsSinglePhase && s.Schedule.Groups.All(g => g.Rows % s.Hidden == 0));

    /// <summary>Whether the single-stream Step splits each layer by hidden units when the model has more than one thread.</summary>
    public bool SplitsStep => UnitSplittable && Readout != Readout.Mean && StepMultiplyAdds >= SplitStepMinimum;

    /// <summary>The most columns (and weights) a product of a fused step may have: 256 columns, 64 KB of float32 weights.</summary>
    public const int FusedColumns = 256, FusedWeights = 16_384;

    /// <summary>
    /// Whether Step and Process over float32 weights run the fused step (Kernels.StepBlock): a model of
    /// float inputs, without attention or a mean readout, whose step is not split between threads and
    /// whose every product is small (the audio and gesture shapes, a few hidden units to 64).
    /// </summary>
    public bool FusesStep => !Spec.Input.IsEmbedding && Spec.Attention is null && Readout != Readout.Mean && !SplitsStep
        && Outputs <= FusedColumns && (long)Outputs * HeadInputSize <= FusedWeights
        && Stages.All(s => s.Schedule.Groups.All(g => g.Rows <= FusedColumns && (long)g.Rows * g.Columns <= FusedWeights));

    /// <summary>
    /// Whether the fused step at 512 and 256 bits computes the head 16 (8) steps at a time, a step per lane
    /// (Simd.DotRows16 and DotRows8): a head of fewer than 4 outputs, whose row at one step is too narrow for
    /// any vector and costs a chain of scalar multiply–adds per output, over at least 32 inputs (an audio
    /// model's Dense 1 at 32 units: 32 of them per sample, 14% of an LSTM 1→32's sample). The same sums in
    /// the same order. Over 8 or 16 inputs the chain is short and batching it did not pay: 0.99–1.01× the
    /// time per sample at 16 units, 1.05–1.13× at 8.
    /// </summary>
    public bool BatchesHead => FusesStep && Outputs < 4 && HeadInputSize >= 32;

    /// <summary>The steps whose h a batched head keeps: one per lane of the widest vector.</summary>
    public const int BatchedHeadSteps = 16;

    /// <summary>The floats between two rows of <see cref="StepHeadRows"/>: the head's inputs rounded up to <see cref="BatchedHeadSteps"/>, as Simd.DotRows16 reads them.</summary>
    public int HeadRowStride => (HeadInputSize + BatchedHeadSteps - 1) / BatchedHeadSteps * BatchedHeadSteps;

    /// <summary>[16, HeadRowStride]: the top layer's h of the steps a batched head has not run yet (<see cref="BatchesHead"/> only).</summary>
    public BufferRegion? StepHeadRows { get; private set; }

    /// <summary>Whether Forward's recurrence, which has one batch entry to share, splits each layer by hidden units between threads.</summary>
    public bool SplitsRecurrence => UnitSplittable && B == 1;

    /// <summary>[input]: the features of a split step (feature inputs only).</summary>
    public BufferRegion? StepInput { get; private set; }

    /// <summary>[Σ H]: every layer's new h in a split step.</summary>
    public BufferRegion? StepNewH { get; private set; }

    /// <summary>[O]: the outputs of a split step.</summary>
    public BufferRegion? StepOutput { get; private set; }

    public static ModelPlan Create(ModelSpec spec)
    {
        var plan = new ModelPlan(spec);
        plan.Build();
        return plan;
    }

    /// <summary>Every buffer's layout, in the order the generated Layout class lists them.</summary>
    public IReadOnlyList<BufferLayout> Layouts => [Parameters, Activations, StepScratch, StateLayout, Packed];

    /// <summary>The size of every buffer, to reject models that cannot be allocated.</summary>
    public IEnumerable<(string What, long Floats)> BufferSizes()
    {
        yield return ("parameter", Parameters.Length);
        yield return ("activation", Activations.Length);
        yield return ("step scratch", StepScratch.Length);
        yield return ("stream state", StateLayout.Length);
        yield return ("packed weight", Packed.Length);
    }

    private void Build()
    {
        long tb = (long)T * B;
        var parameters = new List<ParameterPlan>();

        ParameterPlan AddParameter(string name, int[] shape, ParameterInit init, double bound, bool contiguous = false)
        {
            long length = 1;
            foreach (int d in shape)
            {
                length *= d;
            }

            var region = Parameters.Add(Identifier(name), length, ShapeText(shape), contiguous);
            var p = new ParameterPlan(name, shape, region.Offset, length, init, bound);
            parameters.Add(p);
            return p;
        }

        if (Spec.Input.IsEmbedding)
        {
            EmbeddingWeight = AddParameter(Spec.Input.Name + ".weight", [Spec.Input.Vocabulary, Spec.Input.Features], ParameterInit.Normal, 1.0);
        }

        X0 = Activations.Add("X0", tb * InputFeatures, "[T, B, input]");

        var stages = new List<StagePlan>();
        int inputSize = InputFeatures;
        foreach (var layer in Spec.Recurrent)
        {
            double bound = 1.0 / Math.Sqrt(layer.Hidden);
            for (int k = 0; k < layer.Layers; k++)
            {
                int h = layer.Hidden;
                string suffix = "_l" + k.ToString(CultureInfo.InvariantCulture);
                var schedule = CellSchedule.Create(layer.Cell, h, layer.Projection, inputSize, Spec.RationalActivations);
                var cell = schedule.Cell;

                // The cell's parameters in state-dict order; the matrices of a fused group follow each
                // other without padding, so the group is one [Σ rows, columns] matrix.
                var cellParameters = new List<ParameterPlan>();
                for (int i = 0; i < cell.Parameters.Count; i++)
                {
                    var cp = cell.Parameters[i];
                    int rows = cp.Blocks * schedule.Width(cp.Rows);
                    int[] shape = cp.Kind switch
                    {
                        CellParameterKind.Matrix => [rows, schedule.Width(cp.Columns)],
                        CellParameterKind.Vector when cp.Blocks > 1 => [cp.Blocks, schedule.Width(cp.Rows)],
                        _ => [rows],
                    };
                    bool continues = schedule.Groups.Any(g => g.Segments.Skip(1).Any(seg => seg.Matrix == i || cell.Parameters[seg.Matrix].Bias == i));
                    cellParameters.Add(AddParameter(layer.Name + "." + cp.Name + suffix, shape, ParameterInit.Uniform, bound, continues));
                }

                int index = stages.Count;
                string p = "S" + index.ToString(CultureInfo.InvariantCulture);
                var stage = new StagePlan(index, schedule, layer.Name, k, inputSize, layer.Output, cellParameters);
                double dropout = k == 0 ? layer.InputDropout : layer.Dropout;
                if (dropout > 0)
                {
                    stage.InputDropout = new DropoutPlan(index, dropout, inputSize,
                        Activations.Add(p + "Drop", tb * inputSize, "[T, B, input]: the layer's input after dropout, X ⊙ M (a copy of X when not training)"),
                        Activations.Add(p + "Mask", tb * inputSize, "[T, B, input]: the dropout mask M, 0 or 1/(1 − p)"));
                }

                // Forward caches: the hoisted products (and the values kept in their place), the states
                // with the initial one in row 0, and the values kept in buffers of their own.
                foreach (var g in schedule.Groups.Where(g => g.Hoisted && !schedule.HoistedIntoState))
                {
                    var kept = schedule.Kept.Values.Where(v => v.Overlay == g.Index).OrderBy(v => v.Offset).Select(v => cell.Names[v.Node]).ToList();
                    stage.HoistedRows[g.Index] = Activations.Add(p + "Gates" + (g.Index == 0 ? "" : Code(g.Index)), tb * g.Rows,
                        $"[T, B, {g.Rows}]: x·W_ihᵀ + b_ih" + (kept.Count > 0 ? ", then " + string.Join(", ", kept) : ""));
                }

                for (int i = 0; i < cell.States.Count; i++)
                {
                    string n = cell.States[i].Name;
                    stage.States.Add(new StateBuffers(i, n, schedule.StateWidth(i)));
                    stage.States[i].Rows = Activations.Add(p + n.ToUpperInvariant(), (tb + B) * schedule.StateWidth(i), $"[T + 1, B, {Upper(n)}]: {n}_{{t−1}} for t = 0 … T (row 0 is the initial state)");
                }

                foreach (var kept in schedule.Kept.Values.Where(v => v.Overlay < 0).OrderBy(v => v.Node))
                {
                    string n = cell.Names[kept.Node];
                    stage.KeptRows[kept.Node] = Activations.Add(p + Upper(n.Length > 0 ? n : "Value" + Code(kept.Node)), tb * kept.Width,
                        $"[T, B, {kept.Width}]: {(cell.Comments[kept.Node].Length > 0 ? cell.Comments[kept.Node] : n)}, kept for the backward pass");
                }

                // The batch's initial and final state, and their gradients.
                foreach (var st in stage.States)
                {
                    string n = st.Name, u = n.ToUpperInvariant();
                    long bw = (long)B * st.Width;
                    st.Initial = Activations.Add(p + u + "0", bw, $"[B, {u}]: the initial {n}, set by the caller (copied into row 0 of {u} by each forward pass)");
                    st.Final = Activations.Add(p + u + "T", bw, $"[B, {u}]: {n} at each entry's last real step (the final state)");
                    st.InitialGradient = Activations.Add(p + "D" + u + "0", bw, $"[B, {u}]: d(loss)/d(initial {n})");
                    st.FinalGradient = Activations.Add(p + "D" + u + "T", bw, $"[B, {u}]: d(downstream loss)/d(final {n}), set by the caller");
                }

                // Backward temporaries: d(loss)/d(h_t) from above and the products' gradient rows.
                stage.DH = Activations.Add(p + "DH", tb * layer.Output, "[T, B, H]: d(loss)/d(h_t) from the layer above");
                foreach (var g in schedule.Groups.Where(g => schedule.GradientOf[g.Index] == g.Index))
                {
                    string name = g.Hoisted ? "DA" + (g.Index == 0 ? "" : Code(g.Index)) : schedule.IsHiddenProduct(g) ? "DGh" : "DG" + Code(g.Index);
                    stage.ProductGradients[g.Index] = Activations.Add(p + name, tb * g.Rows, g.Hoisted
                        ? $"[T, B, {g.Rows}]: d(loss)/d(x·W_ihᵀ + b_ih)" + (schedule.Groups.Any(o => o.Index != g.Index && schedule.GradientOf[o.Index] == g.Index) ? ", also d(loss)/d(h·W_hhᵀ + b_hh)" : "")
                        : $"[T, B, {g.Rows}]: d(loss)/d(product of {stage.GroupWeight(g).Name})");
                }

                // Per-unit weights: each batch entry's share of the gradient, summed over the entries after the time loop.
                for (int i = 0; i < cell.Parameters.Count; i++)
                {
                    if (cell.Parameters[i].Kind == CellParameterKind.Vector)
                    {
                        long width = (long)cell.Parameters[i].Blocks * h;
                        stage.VectorGradients[i] = Activations.Add(p + "D_" + cell.Parameters[i].Name, B * width, $"[B, {width}]: each batch entry's d(loss)/d({cell.Parameters[i].Name}), summed over its steps");
                    }
                }

                foreach (var g in schedule.Groups)
                {
                    var weight = stage.GroupWeight(g);
                    string blocks = g.Segments.Count == 1 && g.Segments[0].Blocks < cell.Parameters[g.Matrix].Blocks
                        ? $" (blocks {g.FirstBlock} … {g.FirstBlock + g.Segments[0].Blocks - 1})" : "";
                    stage.PackedGroups[g.Index] = Packed.Add("Packed_" + weight.Identifier + (g.FirstBlock > 0 ? "_b" + Code(g.FirstBlock) : ""), Emission.MatrixKernelEmitter.PackedLength(g.Rows, g.Columns),
                        $"[{g.Columns}, {g.Rows}] in panels{RowCopy(g.Rows)}: {string.Join(" ‖ ", g.Segments.Select(seg => cell.Parameters[seg.Matrix].Name))}ᵀ{blocks}");
                }

                // A cell that reads x element-wise writes part of d(loss)/dx during the time loop; the first
                // layer of a model without an embedding has nowhere to put it.
                if (schedule.InputElementwise && stages.Count == 0 && !Spec.Input.IsEmbedding)
                {
                    stage.InputGradientRows = Activations.Add(p + "DX", tb * inputSize, "[T, B, input]: d(loss)/d(x) of a layer that reads x element-wise, never read (the input needs no gradient)");
                }

                // Per step: each kept value's adjoint that travels between phases.
                foreach (int node in schedule.ValueGradients)
                {
                    string n = cell.Names[node].Length > 0 ? cell.Names[node] : "value" + Code(node);
                    stage.ValueGradients[node] = Activations.Add(p + "DV_" + n, (long)B * schedule.NodeWidth(node), $"[B, {schedule.NodeWidth(node)}]: d(loss)/d({n}) within one step");
                }

                int ordinal = 0;
                foreach (var g in schedule.Groups.Where(g => !g.Hoisted))
                {
                    if (_projectionWidths.Count == ordinal)
                    {
                        _projectionWidths.Add(0);
                    }

                    _projectionWidths[ordinal] = Math.Max(_projectionWidths[ordinal], g.Rows);
                    ordinal++;
                }

                stages.Add(stage);
                MaxHidden = Math.Max(MaxHidden, h);
                // A step's gates scratch holds every hoisted product of a row side by side (blocks of rows × group rows).
                MaxGateWidth = Math.Max(MaxGateWidth, Math.Max(schedule.Groups.Select(g => g.Rows).DefaultIfEmpty(0).Max(), schedule.Groups.Where(g => g.Hoisted).Sum(g => g.Rows)));
                MaxStates = Math.Max(MaxStates, cell.States.Count);
                MaxKept = Math.Max(MaxKept, schedule.Kept.Values.Where(v => v.Overlay < 0).Sum(v => v.Width));
                inputSize = layer.Output;
            }
        }

        if (_projectionWidths.Count == 0)
        {
            _projectionWidths.Add(0);
        }

        // Products without a bias (MUT's W_hr·h, say) add zeros, and their bias gradient goes nowhere.
        int biasless = stages.SelectMany(st => st.Schedule.Groups.Where(g => !g.HasBias)).Select(g => g.Rows).DefaultIfEmpty(0).Max();
        if (biasless > 0)
        {
            PackedZeros = Packed.Add("PackedZeros", biasless, "[rows]: zeros, the bias of a product that has none (never written)");
            BiasDiscard = Activations.Add("BiasDiscard", biasless, "[rows]: the gradient of a product's absent bias, never read");
        }

        int last = inputSize;
        int headIn = last;
        if (Spec.HeadDropout > 0)
        {
            HeadDropout = new DropoutPlan(stages.Count, Spec.HeadDropout, last,
                Activations.Add("HeadDrop", tb * last, "[T, B, H]: the top layer's outputs after dropout, H ⊙ M (a copy of H when not training)"),
                Activations.Add("HeadMask", tb * last, "[T, B, H]: the dropout mask M, 0 or 1/(1 − p)"));
        }

        if (Spec.Attention is { } attention)
        {
            int a = attention.Units, hm = attention.MemorySize, tm = attention.MemoryLength;
            QueryWeight = AddParameter(attention.Name + ".query.weight", [a, last], ParameterInit.Uniform, 1.0 / Math.Sqrt(last));
            KeyWeight = AddParameter(attention.Name + ".key.weight", [a, hm], ParameterInit.Uniform, 1.0 / Math.Sqrt(hm));
            KeyBias = AddParameter(attention.Name + ".key.bias", [a], ParameterInit.Uniform, 1.0 / Math.Sqrt(hm));
            ScoreWeight = AddParameter(attention.Name + ".score.weight", [1, a], ParameterInit.Uniform, 1.0 / Math.Sqrt(a));
            PackedQuery = Packed.Add("Packed_" + QueryWeight.Identifier, Emission.MatrixKernelEmitter.PackedLength(a, last), $"[{last}, {a}] in panels{RowCopy(a)}: W_qᵀ");
            PackedKey = Packed.Add("Packed_" + KeyWeight.Identifier, Emission.MatrixKernelEmitter.PackedLength(a, hm), $"[{hm}, {a}] in panels{RowCopy(a)}: W_kᵀ");
            Memory = Activations.Add("Memory", (long)B * tm * hm, "[B, Tm, Hm]: the memory attended over, set by the caller");
            MemoryGradient = Activations.Add("MemoryGradient", (long)B * tm * hm, "[B, Tm, Hm]: d(loss)/d(memory)");
            Keys = Activations.Add("Keys", (long)B * tm * a, "[B, Tm, A]: W_k·m_j + b_k");
            DK = Activations.Add("DK", (long)B * tm * a, "[B, Tm, A]: d(loss)/d(keys)");
            Queries = Activations.Add("Queries", tb * a, "[T, B, A]: W_q·s_t");
            DQ = Activations.Add("DQ", tb * a, "[T, B, A]: d(loss)/d(queries)");
            AttentionTanh = Activations.Add("AttentionTanh", tb * tm * a, "[T, B, Tm, A]: tanh(W_q·s_t + W_k·m_j + b_k)");
            Alpha = Activations.Add("Alpha", tb * tm, "[T, B, Tm]: the attention weights α_tj");
            ScorePartial = Activations.Add("ScorePartial", (long)B * a, "[B, A]: each entry's share of d(loss)/d(v)");
            Zeros = Activations.Add("Zeros", a, "[A]: zeros, the query projection's (absent) bias");
            Discard = Activations.Add("Discard", a, "[A]: the (absent) query bias's gradient, never read");
            headIn = last + hm;
            HeadInput = Activations.Add("HC", tb * headIn, "[T, B, H + Hm]: [s_t ; c_t], the head's input");
            DHeadInput = Activations.Add("DHC", tb * headIn, "[T, B, H + Hm]: d(loss)/d([s_t ; c_t])");
            StateMemory = StateLayout.Add("StateMemory", (long)tm * hm, "[Tm, Hm]: the stream's memory");
            StateKeys = StateLayout.Add("StateKeys", (long)tm * a, "[Tm, A]: its keys");
            StateMemoryLength = StateLayout.Add("StateMemoryLength", 1, "[1]: its real length, as a float");
            StepQuery = StepScratch.Add("StepQuery", a, "[A]");
            StepTanh = StepScratch.Add("StepTanh", (long)tm * a, "[Tm, A]");
            StepAlpha = StepScratch.Add("StepAlpha", tm, "[Tm]");
            StepHeadInput = StepScratch.Add("StepHC", headIn, "[H + Hm]");
        }

        HeadInputSize = headIn;
        double denseBound = 1.0 / Math.Sqrt(headIn);
        DenseWeight = AddParameter(Spec.Dense.Name + ".weight", [Outputs, headIn], ParameterInit.Uniform, denseBound);
        DenseBias = AddParameter(Spec.Dense.Name + ".bias", [Outputs], ParameterInit.Uniform, denseBound);
        PackedDense = Packed.Add("Packed_" + DenseWeight.Identifier, Emission.MatrixKernelEmitter.PackedLength(Outputs, headIn), $"[{headIn}, {Outputs}] in panels{RowCopy(Outputs)}: W_denseᵀ");

        if (Spec.Condition is { } condition)
        {
            int f = condition.Features;
            double conditionBound = 1.0 / Math.Sqrt(f);
            Cond = Activations.Add("Cond", (long)B * f, "[B, F]: the conditioning vectors, set by the caller");
            DCond = Activations.Add("DCond", (long)B * f, "[B, F]: d(loss)/d(conditioning vectors)");
            foreach (var stage in stages)
            {
                // Per state: s₀ = tanh(W_s·c + b_s) for the output state, W_s·c + b_s for the others.
                string l = "_l" + stage.Index.ToString(CultureInfo.InvariantCulture);
                foreach (var st in stage.States)
                {
                    int w = st.Width;
                    st.ConditionWeight = AddParameter(condition.Name + ".weight_" + st.Name + l, [w, f], ParameterInit.Uniform, conditionBound);
                    st.ConditionBias = AddParameter(condition.Name + ".bias_" + st.Name + l, [w], ParameterInit.Uniform, conditionBound);
                    st.PackedCondition = Packed.Add("Packed_" + st.ConditionWeight.Identifier, Emission.MatrixKernelEmitter.PackedLength(w, f), $"[{f}, {w}] in panels{RowCopy(w)}: W_{st.Name}ᵀ of the condition");
                    if (stage.Schedule.Cell.States[st.Index].ConditionTanh)
                    {
                        st.ConditionPreActivationGradient = Activations.Add("S" + stage.Index.ToString(CultureInfo.InvariantCulture) + "DZ" + (st.Index == 0 ? "0" : st.Name.ToUpperInvariant() + "0"), (long)B * w, $"[B, {st.Name.ToUpperInvariant()}]: d(loss)/d(W_{st.Name}·c + b_{st.Name}), before the tanh");
                    }
                }
            }
        }

        if (ManyToOne)
        {
            R = Activations.Add("R", (long)B * last, Readout == Readout.Mean ? "[B, H]: mean of the top layer's h over each entry's real steps" : "[B, H]: the top layer's h at each entry's last real step");
            DR = Activations.Add("DR", (long)B * last, "[B, H]: d(loss)/d(readout)");
            Y = Activations.Add("Y", (long)B * Outputs, "[B, O]: dense output, one row per sequence");
            DY = Activations.Add("DY", (long)B * Outputs, "[B, O]: d(loss)/d(output)");
        }
        else
        {
            Y = Activations.Add("Y", tb * Outputs, "[T, B, O]: dense output");
            DY = Activations.Add("DY", tb * Outputs, "[T, B, O]: d(loss)/d(output)");
        }

        if (Spec.Input.IsEmbedding)
        {
            DX0 = Activations.Add("DX0", tb * InputFeatures, "[T, B, input]: d(loss)/d(embedded input)");
        }

        HiddenProjection = Activations.Add("HiddenProjection", (long)B * ProjectionWidths[0], "[B, G·H]: h_{t−1}·W_hhᵀ + b_hh for one step");
        var projections = new List<BufferRegion> { HiddenProjection };
        for (int k = 1; k < ProjectionWidths.Count; k++)
        {
            projections.Add(Activations.Add("Projection" + Code(k), (long)B * ProjectionWidths[k], $"[B, rows]: a layer's per-step product number {Code(k + 1)} for one step"));
        }

        Projections = projections;
        var carries = new List<BufferRegion>();
        for (int k = 0; k < MaxStates; k++)
        {
            string n = stages.Where(st => st.States.Count > k).Select(st => st.States[k].Name).First();
            carries.Add(Activations.Add("D" + n.ToUpperInvariant() + "Next", (long)B * MaxHidden, $"[B, {n.ToUpperInvariant()}]: d(loss)/d({n}_{{t−1}}) carried back through time"));
        }

        Carries = carries;

        Stages = stages;
        if (SplitsStep)
        {
            if (!Spec.Input.IsEmbedding)
            {
                StepInput = StepScratch.Add("StepInput", InputFeatures, "[input]: the caller's features, for every thread of a split step");
            }

            StepNewH = StepScratch.Add("StepNewH", stages.Sum(s => (long)s.Hidden), "[Σ H]: every layer's new h in a split step, copied into the state once no thread reads the old one");
            StepOutput = StepScratch.Add("StepOutput", Outputs, "[O]: the outputs of a split step");
        }

        StepGates = StepScratch.Add("StepGates", MaxGateWidth, "[G·H]");
        StepHiddenProjection = StepScratch.Add("StepHiddenProjection", ProjectionWidths[0], "[G·H]");
        var stepProjections = new List<BufferRegion> { StepHiddenProjection };
        for (int k = 1; k < ProjectionWidths.Count; k++)
        {
            stepProjections.Add(StepScratch.Add("StepProjection" + Code(k), ProjectionWidths[k], "[rows]"));
        }

        StepProjections = stepProjections;
        StepTemp = StepScratch.Add("StepTemp", MaxKept, "[Σ kept widths]: the values a layer keeps for the backward pass, unused by a step");
        if (Readout == Readout.Mean)
        {
            StepReadout = StepScratch.Add("StepReadout", last, "[H]: the mean readout of one stream");
        }

        if (BatchesHead)
        {
            StepHeadRows = StepScratch.Add("StepHeadRows", (long)BatchedHeadSteps * HeadRowStride,
                $"[{Code(BatchedHeadSteps)}, {Code(HeadRowStride)}]: the top layer's h of a fused step's last 16 (8) steps, the rows of their head");
        }

        foreach (var stage in stages)
        {
            string p = "State" + stage.Index.ToString(CultureInfo.InvariantCulture);
            foreach (var st in stage.States)
            {
                st.Step = StateLayout.Add(p + st.Name.ToUpperInvariant(), st.Width, $"[{st.Name.ToUpperInvariant()}]: {st.Name}");
            }
        }

        if (Readout == Readout.Mean)
        {
            StateReadoutSum = StateLayout.Add("StateReadoutSum", last, "[H]: Σ of the top layer's h over the steps so far");
            StateReadoutCount = StateLayout.Add("StateReadoutCount", 1, "[1]: steps so far");
        }

        Stages = stages;
        ParameterList = parameters;
    }

    private static string Code(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>"tanhC" → "TanhC".</summary>
    private static string Upper(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);

    /// <summary>A C# identifier for a parameter name ("lstm.weight_ih_l0" → "lstm_weight_ih_l0").</summary>
    public static string Identifier(string name) => name.Replace('.', '_');

    public static string ShapeText(int[] shape) =>
        "[" + string.Join(", ", Array.ConvertAll(shape, d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}

/// <summary>
/// One dropout site: values of width <paramref name="Width"/> per row, dropped with probability
/// <paramref name="Probability"/>; <paramref name="Values"/> holds X ⊙ M and <paramref name="Mask"/> M.
/// </summary>
internal sealed record DropoutPlan(int Site, double Probability, int Width, BufferRegion Values, BufferRegion Mask)
{
    /// <summary>round(p·2²⁴), as RnnGen.DropoutMask.Threshold computes it.</summary>
    public uint Threshold => (uint)Math.Round(Probability * 16777216.0);

    /// <summary>The factor of a kept value, 1 / (1 − p), in float.</summary>
    public float Scale => (float)(1.0 / (1.0 - Probability));
}

/// <summary>How a parameter is initialised (PyTorch's defaults).</summary>
internal enum ParameterInit
{
    /// <summary>N(0, bound²): nn.Embedding.</summary>
    Normal,

    /// <summary>U(−bound, bound): nn.RNN/LSTM/GRU with bound 1/√hidden, nn.Linear with bound 1/√in_features.</summary>
    Uniform,
}

/// <summary>One parameter tensor: PyTorch name and shape, and where it lives.</summary>
internal sealed record ParameterPlan(string Name, int[] Shape, long Offset, long Length, ParameterInit Init, double Bound)
{
    public string Identifier => ModelPlan.Identifier(Name);
}

/// <summary>One recurrent layer after stacked layers are flattened: its cell's schedule and buffers.</summary>
internal sealed class StagePlan
{
    public StagePlan(int index, CellSchedule schedule, string name, int layer, int inputSize, int hidden, IReadOnlyList<ParameterPlan> cellParameters)
    {
        Index = index;
        Schedule = schedule;
        Name = name;
        Layer = layer;
        InputSize = inputSize;
        Hidden = hidden;
        CellParameters = cellParameters;
        HoistedRows = new BufferRegion?[schedule.Groups.Count];
        ProductGradients = new BufferRegion?[schedule.Groups.Count];
        PackedGroups = new BufferRegion[schedule.Groups.Count];
    }

    public int Index { get; }

    /// <summary>The cell lowered for this layer's sizes.</summary>
    public CellSchedule Schedule { get; }

    public string Name { get; }

    public int Layer { get; }

    public int InputSize { get; }

    /// <summary>The width of the layer's output and h state: the hidden size, or the projection's (the cell's H is Schedule.Hidden).</summary>
    public int Hidden { get; }

    /// <summary>The cell's parameters, by their index in the definition.</summary>
    public IReadOnlyList<ParameterPlan> CellParameters { get; }

    /// <summary>The weights of a product group (its first matrix; the others follow without padding).</summary>
    public ParameterPlan GroupWeight(ProductGroup g) => CellParameters[g.Matrix];

    /// <summary>Floats from the start of <see cref="GroupWeight"/> to the group's first row (a group that starts at a later block).</summary>
    public long GroupWeightOffset(ProductGroup g) => (long)g.FirstBlock * Schedule.Width(Schedule.Cell.Parameters[g.Matrix].Rows) * g.Columns;

    /// <summary>The bias of a product group, or null.</summary>
    public ParameterPlan? GroupBias(ProductGroup g) => g.HasBias ? CellParameters[Schedule.Cell.Parameters[g.Matrix].Bias] : null;

    /// <summary>Floats from the start of <see cref="GroupBias"/> to the group's first row.</summary>
    public long GroupBiasOffset(ProductGroup g) => (long)g.FirstBlock * Schedule.Width(Schedule.Cell.Parameters[g.Matrix].Rows);

    /// <summary>Per group: [T, B, rows] of a hoisted product (null for per-step groups, and when the product is written into the state's rows).</summary>
    public BufferRegion?[] HoistedRows { get; }

    /// <summary>Per group: [T, B, rows] of d(loss)/d(product), null for a group that shares another's.</summary>
    public BufferRegion?[] ProductGradients { get; }

    /// <summary>Per group: Wᵀ in panels.</summary>
    public BufferRegion[] PackedGroups { get; }

    /// <summary>The states' buffers, in the cell's order (h first).</summary>
    public List<StateBuffers> States { get; } = new();

    /// <summary>[T, B, input]: where the first layer's element-wise d(loss)/dx goes when nothing reads it, or null.</summary>
    public BufferRegion? InputGradientRows { get; set; }

    /// <summary>[B, width] per kept value whose adjoint travels between the phases of a step, by node.</summary>
    public Dictionary<int, BufferRegion> ValueGradients { get; } = new();

    /// <summary>The order of a per-step product group among the layer's per-step groups (which projection scratch it uses).</summary>
    public int ProjectionOrdinal(ProductGroup g) => Schedule.Groups.Count(x => !x.Hoisted && x.Index < g.Index);

    /// <summary>[B, blocks·H] per vector parameter (by its index in the cell): each batch entry's gradient.</summary>
    public Dictionary<int, BufferRegion> VectorGradients { get; } = new();

    /// <summary>[T, B, width] of each value kept in a buffer of its own, by node.</summary>
    public Dictionary<int, BufferRegion> KeptRows { get; } = new();

    /// <summary>Dropout on this layer's input, or null.</summary>
    public DropoutPlan? InputDropout { get; set; }

    /// <summary>[T, B, H]: d(loss)/d(h_t) from the layer above.</summary>
    public BufferRegion DH { get; set; } = null!;

    /// <summary>The rows of hoisted group <paramref name="g"/>: its own buffer, or the output state's rows t + 1.</summary>
    public BufferRegion HoistedRegion(ProductGroup g) => HoistedRows[g.Index] ?? H;

    /// <summary>The gradient rows group <paramref name="g"/>'s product reads (its own or the group it shares).</summary>
    public BufferRegion GradientRegion(ProductGroup g) => ProductGradients[Schedule.GradientOf[g.Index]]!;

    // The output state (h) and the second state (c) by name, for the emitters of the public state API.
    public BufferRegion H => States[0].Rows;

    public BufferRegion? C => States.Count > 1 ? States[1].Rows : null;

    /// <summary>The width of the second state (an LSTM's c: H even when h is projected), or the output's.</summary>
    public int CWidth => States.Count > 1 ? States[1].Width : Hidden;

    /// <summary>The width of the state one of whose buffers is <paramref name="region"/>.</summary>
    public int WidthOf(BufferRegion region) =>
        States.FirstOrDefault(st => region == st.Rows || region == st.Initial || region == st.Final || region == st.InitialGradient || region == st.FinalGradient || region == st.Step)?.Width ?? Hidden;

    public BufferRegion H0 => States[0].Initial;

    public BufferRegion? C0 => States.Count > 1 ? States[1].Initial : null;

    public BufferRegion HT => States[0].Final;

    public BufferRegion? CT => States.Count > 1 ? States[1].Final : null;

    public BufferRegion DH0 => States[0].InitialGradient;

    public BufferRegion? DC0 => States.Count > 1 ? States[1].InitialGradient : null;

    public BufferRegion DHT => States[0].FinalGradient;

    public BufferRegion? DCT => States.Count > 1 ? States[1].FinalGradient : null;

    public BufferRegion StateH => States[0].Step;

    public BufferRegion? StateC => States.Count > 1 ? States[1].Step : null;

    public ParameterPlan? ConditionWeightH => States[0].ConditionWeight;

    public ParameterPlan? ConditionBiasH => States[0].ConditionBias;

    public BufferRegion? PackedConditionH => States[0].PackedCondition;

    public BufferRegion? DZ0 => States[0].ConditionPreActivationGradient;

    public ParameterPlan? ConditionWeightC => States.Count > 1 ? States[1].ConditionWeight : null;

    public ParameterPlan? ConditionBiasC => States.Count > 1 ? States[1].ConditionBias : null;

    public BufferRegion? PackedConditionC => States.Count > 1 ? States[1].PackedCondition : null;

    /// <summary>A readable description, e.g. "lstm layer 0 (LSTM 32 → 128)".</summary>
    public string Title =>
        string.Format(CultureInfo.InvariantCulture, "{0} layer {1} ({2} {3} → {4})", Name, Layer, Schedule.Cell.Title, InputSize, Hidden);
}

/// <summary>The buffers of one state of one layer.</summary>
internal sealed class StateBuffers
{
    public StateBuffers(int index, string name, int width)
    {
        Index = index;
        Name = name;
        Width = width;
    }

    public int Index { get; }

    public string Name { get; }

    public int Width { get; }

    /// <summary>[T + 1, B, width]: the state before each step (row 0 is the initial state).</summary>
    public BufferRegion Rows { get; set; } = null!;

    /// <summary>[B, width]: the caller's initial state.</summary>
    public BufferRegion Initial { get; set; } = null!;

    /// <summary>[B, width]: the state at each entry's last real step.</summary>
    public BufferRegion Final { get; set; } = null!;

    /// <summary>[B, width]: d(loss)/d(initial state).</summary>
    public BufferRegion InitialGradient { get; set; } = null!;

    /// <summary>[B, width]: the caller's d(downstream loss)/d(final state).</summary>
    public BufferRegion FinalGradient { get; set; } = null!;

    /// <summary>[width]: the state in a stream's State.</summary>
    public BufferRegion Step { get; set; } = null!;

    /// <summary>W of the condition projection that sets this state (conditioned models only).</summary>
    public ParameterPlan? ConditionWeight { get; set; }

    public ParameterPlan? ConditionBias { get; set; }

    public BufferRegion? PackedCondition { get; set; }

    /// <summary>[B, width]: d(loss)/d(W·c + b) before the tanh (states set through tanh only).</summary>
    public BufferRegion? ConditionPreActivationGradient { get; set; }
}
