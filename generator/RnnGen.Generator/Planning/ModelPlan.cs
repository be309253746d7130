using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
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

    /// <summary>[B, maxHidden]: d(loss)/d(h_{t−1}) carried backwards through time.</summary>
    public BufferRegion DHNext { get; private set; } = null!;

    /// <summary>[B, maxHidden]: d(loss)/d(c_{t−1}) carried backwards through time (LSTM).</summary>
    public BufferRegion DCNext { get; private set; } = null!;

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

    /// <summary>Hidden units per share when a layer is split by units between threads: one packed panel of Wᵀ.</summary>
    public const int UnitShare = Emission.MatrixKernelEmitter.PanelWidth;

    /// <summary>
    /// Multiply–adds a single stream's step must have before Step splits it between threads (256 KB of
    /// weights): below that, starting the workers costs about as much as halving the weight reads saves.
    /// </summary>
    public const long SplitStepMinimum = 65_536;

    /// <summary>Multiply–adds of one stream's step: every projection and the head.</summary>
    public long StepMultiplyAdds =>
        Stages.Sum(s => (long)s.GateWidth * (s.InputSize + s.Hidden)) + ((long)Outputs * HeadInputSize);

    /// <summary>
    /// Whether every recurrent layer can be split by hidden units between threads: each hidden size a
    /// multiple of <see cref="UnitShare"/> and at least two shares. Attention decoders are not split.
    /// </summary>
    public bool UnitSplittable => Spec.Attention is null && Stages.All(s => s.Hidden % UnitShare == 0 && s.Hidden >= 2 * UnitShare);

    /// <summary>Whether the single-stream Step splits each layer by hidden units when the model has more than one thread.</summary>
    public bool SplitsStep => UnitSplittable && Readout != Readout.Mean && StepMultiplyAdds >= SplitStepMinimum;

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

    /// <summary>The size of every buffer, to reject models that cannot be allocated.</summary>
    public IEnumerable<(string What, long Floats)> BufferSizes()
    {
        yield return ("parameter", Parameters.Length);
        yield return ("activation", Activations.Length);
    }

    private void Build()
    {
        long tb = (long)T * B;
        var parameters = new List<ParameterPlan>();

        ParameterPlan AddParameter(string name, int[] shape, ParameterInit init, double bound)
        {
            long length = 1;
            foreach (int d in shape)
            {
                length *= d;
            }

            var region = Parameters.Add(Identifier(name), length, ShapeText(shape));
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
            int gates = layer.Kind switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
            double bound = 1.0 / Math.Sqrt(layer.Hidden);
            for (int k = 0; k < layer.Layers; k++)
            {
                int h = layer.Hidden;
                string suffix = "_l" + k.ToString(CultureInfo.InvariantCulture);
                var wih = AddParameter(layer.Name + ".weight_ih" + suffix, [gates * h, inputSize], ParameterInit.Uniform, bound);
                var whh = AddParameter(layer.Name + ".weight_hh" + suffix, [gates * h, h], ParameterInit.Uniform, bound);
                var bih = AddParameter(layer.Name + ".bias_ih" + suffix, [gates * h], ParameterInit.Uniform, bound);
                var bhh = AddParameter(layer.Name + ".bias_hh" + suffix, [gates * h], ParameterInit.Uniform, bound);
                int index = stages.Count;
                string p = "S" + index.ToString(CultureInfo.InvariantCulture);
                var stage = new StagePlan(index, layer.Kind, layer.Activation, layer.Name, k, inputSize, h, gates, wih, whh, bih, bhh);
                double dropout = k == 0 ? layer.InputDropout : layer.Dropout;
                if (dropout > 0)
                {
                    stage.InputDropout = new DropoutPlan(index, dropout, inputSize,
                        Activations.Add(p + "Drop", tb * inputSize, "[T, B, input]: the layer's input after dropout, X ⊙ M (a copy of X when not training)"),
                        Activations.Add(p + "Mask", tb * inputSize, "[T, B, input]: the dropout mask M, 0 or 1/(1 − p)"));
                }

                // Forward caches.
                if (layer.Kind != CellKind.Rnn)
                {
                    stage.Gates = Activations.Add(p + "Gates", tb * gates * h, layer.Kind == CellKind.Lstm ? "[T, B, 4H]: x·W_ihᵀ + b_ih, then the gate activations i, f, g, o" : "[T, B, 3H]: x·W_ihᵀ + b_ih, then the gate activations r, z, n");
                }

                stage.H = Activations.Add(p + "H", (tb + B) * h, "[T + 1, B, H]: h_{t−1} for t = 0 … T (row 0 is the initial state)");
                if (layer.Kind == CellKind.Lstm)
                {
                    stage.C = Activations.Add(p + "C", (tb + B) * h, "[T + 1, B, H]: c_{t−1} for t = 0 … T");
                    stage.TanhC = Activations.Add(p + "TanhC", tb * h, "[T, B, H]: tanh(c_t)");
                }
                else if (layer.Kind == CellKind.Gru)
                {
                    stage.HiddenN = Activations.Add(p + "HiddenN", tb * h, "[T, B, H]: W_hn·h_{t−1} + b_hn");
                }

                // The batch's initial and final state, and their gradients.
                stage.H0 = Activations.Add(p + "H0", (long)B * h, "[B, H]: the initial h, set by the caller (copied into row 0 of H by each forward pass)");
                stage.HT = Activations.Add(p + "HT", (long)B * h, "[B, H]: h at each entry's last real step (the final state)");
                stage.DH0 = Activations.Add(p + "DH0", (long)B * h, "[B, H]: d(loss)/d(initial h)");
                stage.DHT = Activations.Add(p + "DHT", (long)B * h, "[B, H]: d(downstream loss)/d(final h), set by the caller");
                if (layer.Kind == CellKind.Lstm)
                {
                    stage.C0 = Activations.Add(p + "C0", (long)B * h, "[B, H]: the initial c, set by the caller");
                    stage.CT = Activations.Add(p + "CT", (long)B * h, "[B, H]: c at each entry's last real step");
                    stage.DC0 = Activations.Add(p + "DC0", (long)B * h, "[B, H]: d(loss)/d(initial c)");
                    stage.DCT = Activations.Add(p + "DCT", (long)B * h, "[B, H]: d(downstream loss)/d(final c), set by the caller");
                }

                // Backward temporaries.
                stage.DH = Activations.Add(p + "DH", tb * h, "[T, B, H]: d(loss)/d(h_t) from the layer above");
                stage.DA = Activations.Add(p + "DA", tb * gates * h, "[T, B, G·H]: d(loss)/d(input pre-activations)");
                if (layer.Kind == CellKind.Gru)
                {
                    stage.DGh = Activations.Add(p + "DGh", tb * gates * h, "[T, B, 3H]: d(loss)/d(h·W_hhᵀ + b_hh)");
                }

                stage.PackedIh = Packed.Add("Packed_" + wih.Identifier, (long)gates * h * inputSize, $"[{inputSize}, {gates * h}] in panels: W_ihᵀ");
                stage.PackedHh = Packed.Add("Packed_" + whh.Identifier, (long)gates * h * h, $"[{h}, {gates * h}] in panels: W_hhᵀ");
                stages.Add(stage);
                MaxHidden = Math.Max(MaxHidden, h);
                MaxGateWidth = Math.Max(MaxGateWidth, gates * h);
                inputSize = h;
            }
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
            PackedQuery = Packed.Add("Packed_" + QueryWeight.Identifier, (long)a * last, $"[{last}, {a}] in panels: W_qᵀ");
            PackedKey = Packed.Add("Packed_" + KeyWeight.Identifier, (long)a * hm, $"[{hm}, {a}] in panels: W_kᵀ");
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
        PackedDense = Packed.Add("Packed_" + DenseWeight.Identifier, (long)Outputs * headIn, $"[{headIn}, {Outputs}] in panels: W_denseᵀ");

        if (Spec.Condition is { } condition)
        {
            int f = condition.Features;
            double conditionBound = 1.0 / Math.Sqrt(f);
            Cond = Activations.Add("Cond", (long)B * f, "[B, F]: the conditioning vectors, set by the caller");
            DCond = Activations.Add("DCond", (long)B * f, "[B, F]: d(loss)/d(conditioning vectors)");
            foreach (var stage in stages)
            {
                int h = stage.Hidden;
                string l = "_l" + stage.Index.ToString(CultureInfo.InvariantCulture);
                stage.ConditionWeightH = AddParameter(condition.Name + ".weight_h" + l, [h, f], ParameterInit.Uniform, conditionBound);
                stage.ConditionBiasH = AddParameter(condition.Name + ".bias_h" + l, [h], ParameterInit.Uniform, conditionBound);
                stage.PackedConditionH = Packed.Add("Packed_" + stage.ConditionWeightH.Identifier, (long)h * f, $"[{f}, {h}] in panels: W_hᵀ of the condition");
                stage.DZ0 = Activations.Add("S" + stage.Index.ToString(CultureInfo.InvariantCulture) + "DZ0", (long)B * h, "[B, H]: d(loss)/d(W_h·c + b_h), before the tanh");
                if (stage.Kind == CellKind.Lstm)
                {
                    stage.ConditionWeightC = AddParameter(condition.Name + ".weight_c" + l, [h, f], ParameterInit.Uniform, conditionBound);
                    stage.ConditionBiasC = AddParameter(condition.Name + ".bias_c" + l, [h], ParameterInit.Uniform, conditionBound);
                    stage.PackedConditionC = Packed.Add("Packed_" + stage.ConditionWeightC.Identifier, (long)h * f, $"[{f}, {h}] in panels: W_cᵀ of the condition");
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

        HiddenProjection = Activations.Add("HiddenProjection", (long)B * MaxGateWidth, "[B, G·H]: h_{t−1}·W_hhᵀ + b_hh for one step");
        DHNext = Activations.Add("DHNext", (long)B * MaxHidden, "[B, H]: d(loss)/d(h_{t−1}) carried back through time");
        DCNext = Activations.Add("DCNext", (long)B * MaxHidden, "[B, H]: d(loss)/d(c_{t−1}) carried back through time");

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
        StepHiddenProjection = StepScratch.Add("StepHiddenProjection", MaxGateWidth, "[G·H]");
        StepTemp = StepScratch.Add("StepTemp", MaxHidden, "[H]");
        if (Readout == Readout.Mean)
        {
            StepReadout = StepScratch.Add("StepReadout", last, "[H]: the mean readout of one stream");
        }

        foreach (var stage in stages)
        {
            string p = "State" + stage.Index.ToString(CultureInfo.InvariantCulture);
            stage.StateH = StateLayout.Add(p + "H", stage.Hidden, "[H]: h");
            if (stage.Kind == CellKind.Lstm)
            {
                stage.StateC = StateLayout.Add(p + "C", stage.Hidden, "[H]: c");
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

/// <summary>One recurrent layer after stacked layers are flattened.</summary>
internal sealed class StagePlan
{
    public StagePlan(int index, CellKind kind, CellActivation activation, string name, int layer, int inputSize, int hidden, int gates,
        ParameterPlan weightIh, ParameterPlan weightHh, ParameterPlan biasIh, ParameterPlan biasHh)
    {
        Index = index;
        Kind = kind;
        Activation = activation;
        Name = name;
        Layer = layer;
        InputSize = inputSize;
        Hidden = hidden;
        GateCount = gates;
        WeightIh = weightIh;
        WeightHh = weightHh;
        BiasIh = biasIh;
        BiasHh = biasHh;
    }

    public int Index { get; }

    public CellKind Kind { get; }

    public CellActivation Activation { get; }

    public string Name { get; }

    public int Layer { get; }

    public int InputSize { get; }

    public int Hidden { get; }

    public int GateCount { get; }

    public int GateWidth => GateCount * Hidden;

    public ParameterPlan WeightIh { get; }

    /// <summary>Dropout on this layer's input, or null.</summary>
    public DropoutPlan? InputDropout { get; set; }

    public ParameterPlan WeightHh { get; }

    public ParameterPlan BiasIh { get; }

    public ParameterPlan BiasHh { get; }

    public BufferRegion? Gates { get; set; }

    public BufferRegion H { get; set; } = null!;

    public BufferRegion? C { get; set; }

    public BufferRegion? TanhC { get; set; }

    public BufferRegion? HiddenN { get; set; }

    public BufferRegion DH { get; set; } = null!;

    public BufferRegion DA { get; set; } = null!;

    public BufferRegion? DGh { get; set; }

    public BufferRegion StateH { get; set; } = null!;

    /// <summary>W_h of the condition projection h₀ = tanh(W_h·c + b_h) (conditioned models only).</summary>
    public ParameterPlan? ConditionWeightH { get; set; }

    /// <summary>b_h of the condition projection.</summary>
    public ParameterPlan? ConditionBiasH { get; set; }

    /// <summary>W_c of the condition projection c₀ = W_c·c + b_c (conditioned LSTMs only).</summary>
    public ParameterPlan? ConditionWeightC { get; set; }

    /// <summary>b_c of the condition projection.</summary>
    public ParameterPlan? ConditionBiasC { get; set; }

    /// <summary>W_hᵀ of the condition projection, in panels.</summary>
    public BufferRegion? PackedConditionH { get; set; }

    /// <summary>W_cᵀ of the condition projection, in panels.</summary>
    public BufferRegion? PackedConditionC { get; set; }

    /// <summary>[B, H]: d(loss)/d(W_h·c + b_h).</summary>
    public BufferRegion? DZ0 { get; set; }

    /// <summary>[B, H]: the caller's initial h.</summary>
    public BufferRegion H0 { get; set; } = null!;

    /// <summary>[B, H]: the caller's initial c (LSTM).</summary>
    public BufferRegion? C0 { get; set; }

    /// <summary>[B, H]: h at each entry's last real step.</summary>
    public BufferRegion HT { get; set; } = null!;

    /// <summary>[B, H]: c at each entry's last real step (LSTM).</summary>
    public BufferRegion? CT { get; set; }

    /// <summary>[B, H]: d(loss)/d(initial h).</summary>
    public BufferRegion DH0 { get; set; } = null!;

    /// <summary>[B, H]: d(loss)/d(initial c) (LSTM).</summary>
    public BufferRegion? DC0 { get; set; }

    /// <summary>[B, H]: the caller's d(downstream loss)/d(final h).</summary>
    public BufferRegion DHT { get; set; } = null!;

    /// <summary>[B, H]: the caller's d(downstream loss)/d(final c) (LSTM).</summary>
    public BufferRegion? DCT { get; set; }

    /// <summary>W_ihᵀ in panels.</summary>
    public BufferRegion PackedIh { get; set; } = null!;

    /// <summary>W_hhᵀ in panels.</summary>
    public BufferRegion PackedHh { get; set; } = null!;

    public BufferRegion? StateC { get; set; }

    /// <summary>A readable description, e.g. "lstm layer 0 (LSTM 32 → 128)".</summary>
    public string Title =>
        string.Format(CultureInfo.InvariantCulture, "{0} layer {1} ({2} {3} → {4})", Name, Layer,
            Kind switch { CellKind.Lstm => "LSTM", CellKind.Gru => "GRU", _ => Activation == CellActivation.Relu ? "RNN-ReLU" : "RNN-tanh" },
            InputSize, Hidden);
}
