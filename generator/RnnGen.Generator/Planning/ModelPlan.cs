using System;
using System.Collections.Generic;
using System.Globalization;
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

    /// <summary>[T, B, O]: the dense head's output.</summary>
    public BufferRegion Y { get; private set; } = null!;

    /// <summary>[T, B, O]: d(loss)/d(output).</summary>
    public BufferRegion DY { get; private set; } = null!;

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

    public int MaxHidden { get; private set; }

    public int MaxGateWidth { get; private set; }

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
        double denseBound = 1.0 / Math.Sqrt(last);
        DenseWeight = AddParameter(Spec.Dense.Name + ".weight", [Outputs, last], ParameterInit.Uniform, denseBound);
        DenseBias = AddParameter(Spec.Dense.Name + ".bias", [Outputs], ParameterInit.Uniform, denseBound);
        PackedDense = Packed.Add("Packed_" + DenseWeight.Identifier, (long)Outputs * last, $"[{last}, {Outputs}] in panels: W_denseᵀ");

        Y = Activations.Add("Y", tb * Outputs, "[T, B, O]: dense output");
        DY = Activations.Add("DY", tb * Outputs, "[T, B, O]: d(loss)/d(output)");
        if (Spec.Input.IsEmbedding)
        {
            DX0 = Activations.Add("DX0", tb * InputFeatures, "[T, B, input]: d(loss)/d(embedded input)");
        }

        HiddenProjection = Activations.Add("HiddenProjection", (long)B * MaxGateWidth, "[B, G·H]: h_{t−1}·W_hhᵀ + b_hh for one step");
        DHNext = Activations.Add("DHNext", (long)B * MaxHidden, "[B, H]: d(loss)/d(h_{t−1}) carried back through time");
        DCNext = Activations.Add("DCNext", (long)B * MaxHidden, "[B, H]: d(loss)/d(c_{t−1}) carried back through time");

        StepGates = StepScratch.Add("StepGates", MaxGateWidth, "[G·H]");
        StepHiddenProjection = StepScratch.Add("StepHiddenProjection", MaxGateWidth, "[G·H]");
        StepTemp = StepScratch.Add("StepTemp", MaxHidden, "[H]");

        foreach (var stage in stages)
        {
            string p = "State" + stage.Index.ToString(CultureInfo.InvariantCulture);
            stage.StateH = StateLayout.Add(p + "H", stage.Hidden, "[H]: h");
            if (stage.Kind == CellKind.Lstm)
            {
                stage.StateC = StateLayout.Add(p + "C", stage.Hidden, "[H]: c");
            }
        }

        Stages = stages;
        ParameterList = parameters;
    }

    /// <summary>A C# identifier for a parameter name ("lstm.weight_ih_l0" → "lstm_weight_ih_l0").</summary>
    public static string Identifier(string name) => name.Replace('.', '_');

    public static string ShapeText(int[] shape) =>
        "[" + string.Join(", ", Array.ConvertAll(shape, d => d.ToString(CultureInfo.InvariantCulture))) + "]";
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
