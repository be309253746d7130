using System.Linq;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// Taps (docs/taps.md): Step and Process overloads that also write, per step, every layer's named cell
/// values and states into a caller's buffer, through their own cell kernels, so the members without
/// taps are unchanged.
/// </summary>
internal static partial class ModelEmitter
{
    /// <summary>Where a layer's taps start in a step's tap vector: after every layer below it.</summary>
    private static int LayerTapBase(ModelPlan plan, StagePlan stage) =>
        plan.Stages.Take(stage.Index).Sum(s => CellKernelEmitter.Taps(s.Schedule).Sum(t => t.Width));

    /// <summary>Floats of one step's taps.</summary>
    private static int TapSize(ModelPlan plan) => plan.Stages.Sum(s => CellKernelEmitter.Taps(s.Schedule).Sum(t => t.Width));

    /// <summary>"ref taps" shifted to a layer's part.</summary>
    private static string TapsAt(ModelPlan plan, StagePlan stage) =>
        LayerTapBase(plan, stage) == 0 ? "ref taps" : $"ref Kernels.At(ref taps, {Code.Int(LayerTapBase(plan, stage))})";

    /// <summary>The taps of a layer's states that no kernel writes (a projected h): copied from the state after the step.</summary>
    private static void EmitStateTaps(IndentedWriter w, ModelPlan plan, StagePlan stage)
    {
        foreach (var tap in CellKernelEmitter.Taps(stage.Schedule).Where(t => t.Node < 0))
        {
            int at = LayerTapBase(plan, stage) + tap.Offset;
            w.Line($"// tap {tap.Name}: the new state");
            w.Line($"{Sys}Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan({U("s", "Layout." + stage.States[tap.State].Step.Name)}, {Code.Int(tap.Width)})" +
                $".CopyTo({Sys}Runtime.InteropServices.MemoryMarshal.CreateSpan({(at == 0 ? "ref taps" : $"ref Kernels.At(ref taps, {Code.Int(at)})")}, {Code.Int(tap.Width)}));");
        }
    }

    private static void EmitTapMembers(IndentedWriter w, ModelPlan plan)
    {
        bool tokens = plan.Spec.Input.IsEmbedding;
        string inputParam = tokens ? "int token" : $"{Sys}ReadOnlySpan<float> input";
        string inputsParam = tokens ? $"{Sys}ReadOnlySpan<int> tokens" : $"{Sys}ReadOnlySpan<float> inputs";
        int size = TapSize(plan);

        w.Line($"/// <summary>Floats of one step's taps: every layer's named cell values and states (see <see cref=\"Taps\"/>): {Code.Int(size)}.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public const int TapSize = {Code.Int(size)};");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// What a step's taps hold, in order: for each layer, each value its cell names (an LSTM's gates i, f,");
        w.Line("/// g, o, its c, tanh(c) and h; a GRU's r, z, n and h) and any state not among them, with its offset and");
        w.Line($"/// width in the <see cref=\"TapSize\"/> floats <see cref=\"Step(State, {(tokens ? "int" : $"{Sys}ReadOnlySpan{{float}}")}, {Sys}Span{{float}}, {Sys}Span{{float}})\"/> writes per step.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        using (w.OpenExpression($"public static {Sys}Collections.Generic.IReadOnlyList<{Rt}TapInfo> Taps {{ get; }} = new {Rt}TapInfo[]"))
        {
            foreach (var stage in plan.Stages)
            {
                int layerBase = LayerTapBase(plan, stage);
                foreach (var tap in CellKernelEmitter.Taps(stage.Schedule))
                {
                    w.Line($"new {Rt}TapInfo({Code.Int(stage.Index)}, \"{tap.Name}\", {Code.Int(layerBase + tap.Offset)}, {Code.Int(tap.Width)}, {Code.Int(tap.State)}),");
                }
            }
        }

        w.Line();
        w.Line(GeneratedCode);
        w.Line($"int {Rt}ITappedModel.TapSize => TapSize;");
        w.Line();
        w.Line(GeneratedCode);
        w.Line($"{Sys}Collections.Generic.IReadOnlyList<{Rt}TapInfo> {Rt}ITappedModel.Taps => Taps;");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Step, and also every layer's named cell values and states at this step in <paramref name=\"taps\"/> (see");
        w.Line("/// <see cref=\"Taps\"/>). The output and the new state are bit for bit those of Step without taps, and the");
        w.Line("/// taps are the values that step computes. Allocates nothing.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"state\">The stream's state, from <see cref=\"NewState\"/>.</param>");
        w.Line(tokens
            ? "/// <param name=\"token\">The input token id, in 0 … InputSize − 1.</param>"
            : "/// <param name=\"input\">The input features, InputSize floats.</param>");
        w.Line("/// <param name=\"output\">Receives the OutputSize outputs of this step (before any softmax).</param>");
        w.Line("/// <param name=\"taps\">Receives the TapSize values of this step.</param>");
        w.Line(GeneratedCode);
        using (w.Open($"public void Step(State state, {inputParam}, {Sys}Span<float> output, {Sys}Span<float> taps)"))
        {
            EmitStepChecks(w, tokens);
            w.Line("if (taps.Length != TapSize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"taps must hold TapSize = {{TapSize}} floats, but holds {{taps.Length}}.\", \"taps\");");
            }

            w.Line();
            w.Line("EnsureInferenceWeights();");
            w.Line($"StepTapped(state, {(tokens ? "token" : "input")}, output, ref {Sys}Runtime.InteropServices.MemoryMarshal.GetReference(taps));");
            KeepAlive(w, "state", "this");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Process, and also each step's taps (see <see cref=\"Taps\"/>): TapSize floats per step, step after step.");
        w.Line("/// Bit for bit one tapped Step per step; the arguments are checked once, and an invalid block throws before");
        w.Line("/// any step, leaving the state unchanged. Allocates nothing.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"state\">The stream's state, from <see cref=\"NewState\"/>, updated in place.</param>");
        w.Line(tokens
            ? "/// <param name=\"tokens\">The block's token ids.</param>"
            : "/// <param name=\"inputs\">The block's inputs, step after step: InputSize features per step.</param>");
        w.Line("/// <param name=\"outputs\">Receives OutputSize outputs per step, step after step.</param>");
        w.Line("/// <param name=\"taps\">Receives TapSize values per step, step after step.</param>");
        w.Line(GeneratedCode);
        using (w.Open($"public void Process(State state, {inputsParam}, {Sys}Span<float> outputs, {Sys}Span<float> taps)"))
        {
            EmitProcessChecks(w, tokens);
            w.Line("if (taps.Length != (long)steps * TapSize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"taps must hold TapSize = {{TapSize}} floats per step ({{(long)steps * TapSize}}), but holds {{taps.Length}}.\", \"taps\");");
            }

            w.Line();
            w.Line("EnsureInferenceWeights();");
            using (w.Open("for (int t = 0; t < steps; t++)"))
            {
                w.Line(tokens
                    ? "StepTapped(state, tokens[t], outputs.Slice(t * OutputSize, OutputSize), ref taps[t * TapSize]);"
                    : "StepTapped(state, inputs.Slice(t * InputSize, InputSize), outputs.Slice(t * OutputSize, OutputSize), ref taps[t * TapSize]);");
            }

            KeepAlive(w, "state", "this");
        }

        w.Line();
        w.Line("/// <summary>The one-stream state the tapped batch members step each stream or sequence in; made on their first call.</summary>");
        w.Line("private State? _tapState;");
        EmitForwardTaps(w, plan);

        if (HasStreamBatch(plan))
        {
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// The stream-batch Step, and also every stream's taps at this step ([Count, TapSize], stream by stream; see");
            w.Line("/// <see cref=\"Taps\"/>). Each stream is stepped alone with the tapped one-stream Step, so its outputs, state and");
            w.Line("/// taps are bit for bit those of that Step, and so those of the stream-batch Step without taps. The first call");
            w.Line("/// allocates one stream's state; later calls allocate nothing. If an argument is invalid, nothing is changed.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"streams\">The streams, from <see cref=\"NewStreams\"/>.</param>");
            w.Line(tokens
                ? "/// <param name=\"tokens\">One input token id per stream, each in 0 … InputSize − 1.</param>"
                : "/// <param name=\"inputs\">InputSize features per stream, stream by stream ([Count, InputSize]).</param>");
            w.Line("/// <param name=\"outputs\">Receives OutputSize outputs per stream, stream by stream ([Count, OutputSize]).</param>");
            w.Line("/// <param name=\"taps\">Receives TapSize values per stream, stream by stream ([Count, TapSize]).</param>");
            w.Line(GeneratedCode);
            using (w.Open($"public void Step(StreamBatch streams, {inputsParam}, {Sys}Span<float> outputs, {Sys}Span<float> taps)"))
            {
                w.Line(tokens ? "int count = RequireStreamStep(streams, tokens, outputs);" : "int count = RequireStreamStep(streams, inputs, outputs);");
                w.Line("if (taps.Length != (long)count * TapSize)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentException($\"taps must hold TapSize = {{TapSize}} floats per stream ({{(long)count * TapSize}}), but holds {{taps.Length}}.\", \"taps\");");
                }

                w.Line();
                w.Line("EnsureInferenceWeights();");
                w.Line("var state = _tapState ??= new State();");
                using (w.Open("for (int r = 0; r < count; r++)"))
                {
                    w.Line("streams.CopyTo(r, state);");
                    w.Line(tokens
                        ? "StepTapped(state, tokens[r], outputs.Slice(r * OutputSize, OutputSize), ref taps[r * TapSize]);"
                        : "StepTapped(state, inputs.Slice(r * InputSize, InputSize), outputs.Slice(r * OutputSize, OutputSize), ref taps[r * TapSize]);");
                    w.Line("streams.CopyFrom(r, state);");
                }

                KeepAlive(w, "streams", "this");
            }
        }

        w.Line();
        w.Line("/// <summary>The tapped step after its checks: Step's work through the kernels that also write the taps.</summary>");
        using (w.Open($"private void StepTapped(State state, {inputParam}, {Sys}Span<float> output, ref float taps)"))
        {
            EmitStepBody(w, plan, tapped: true);
            KeepAlive(w, "state", "this");
        }

        w.Line();
    }
    /// <summary>
    /// Forward with taps: Forward, then each sequence of the batch streamed from its row of the initial
    /// state (and its memory) through the tapped step, which by Step ≡ Forward gives the values Forward
    /// computed.
    /// </summary>
    private static void EmitForwardTaps(IndentedWriter w, ModelPlan plan)
    {
        var n = new BatchNames(plan);
        bool tokens = n.Tokens;
        string lengthsType = $"{Sys}ReadOnlySpan<int>";

        w.Line();
        w.Line("/// <summary>One step's outputs of the streamed sequences of a Forward with taps, which it discards; made on its first call.</summary>");
        w.Line("private float[]? _tapOutput;");

        void Docs(bool lengths)
        {
            w.Line("/// <summary>");
            w.Line($"/// {(lengths ? "Forward over sequences of different lengths" : "Forward")}, and also every step's taps of every sequence");
            w.Line("/// ([BatchSize, SequenceLength, TapSize], batch-major; see <see cref=\"Taps\"/>). The outputs, final states and");
            w.Line("/// everything else Forward leaves are Forward's bit for bit.");
            w.Line("/// The taps come from streaming each sequence through the tapped Step from its row of the initial state" +
                (plan.Spec.Attention is not null ? " (and its" : ","));
            w.Line(plan.Spec.Attention is not null
                ? "/// <see cref=\"Memory\"/>), which gives, bit for bit, the values Forward computes; a step past a sequence's length"
                : "/// which gives, bit for bit, the values Forward computes; a step past a sequence's length");
            w.Line("/// has zero taps. This costs about as much as a second Forward, one sequence at a time. The first");
            w.Line("/// call allocates one stream's state and one step's outputs; later calls allocate nothing. If an argument");
            w.Line("/// is invalid, nothing is changed.");
            w.Line("/// </summary>");
            w.Line($"/// <param name=\"inputs\">{n.InputDoc}</param>");
            if (lengths)
            {
                w.Line($"/// <param name=\"lengths\">{n.LengthsDoc}</param>");
            }

            w.Line($"/// <param name=\"outputs\">{n.OutputDoc}</param>");
            w.Line("/// <param name=\"taps\">Receives TapSize values per step, batch-major [BatchSize, SequenceLength, TapSize]; zero at padding positions.</param>");
            if (plan.HasDropout)
            {
                w.Line("/// <exception cref=\"global::System.InvalidOperationException\"><see cref=\"Training\"/> is set: Step never drops out, so taps are read from inference passes only.</exception>");
            }
        }

        w.Line();
        Docs(lengths: false);
        w.Line(GeneratedCode);
        using (w.Open($"public void Forward({n.InputType} inputs, {Sys}Span<float> outputs, {Sys}Span<float> taps)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line("RequireBatchTaps(taps);");
            w.Line("ForwardCore(inputs, default, outputs);");
            w.Line("ForwardTaps(inputs, taps);");
        }

        w.Line();
        Docs(lengths: true);
        w.Line(GeneratedCode);
        using (w.Open($"public void Forward({n.InputType} inputs, {lengthsType} lengths, {Sys}Span<float> outputs, {Sys}Span<float> taps)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line("RequireLengths(lengths);");
            w.Line("RequireBatchTaps(taps);");
            w.Line("ForwardCore(inputs, lengths, outputs);");
            w.Line("ForwardTaps(inputs, taps);");
        }

        w.Line();
        w.Line(plan.HasDropout
            ? "/// <summary>Checks a Forward's tap buffer, and that the pass is an inference pass, before Forward changes anything.</summary>"
            : "/// <summary>Checks a Forward's tap buffer before Forward changes anything.</summary>");
        using (w.Open($"private void RequireBatchTaps({Sys}Span<float> taps)"))
        {
            w.Line("if (taps.Length != (long)BatchSize * SequenceLength * TapSize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"taps must hold BatchSize × SequenceLength × TapSize = {{(long)BatchSize * SequenceLength * TapSize}} floats, but holds {{taps.Length}}.\", \"taps\");");
            }

            if (plan.HasDropout)
            {
                w.Line("if (Training)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}InvalidOperationException(\"Taps are read from inference passes only (Step never drops out): set Training = false before a Forward with taps.\");");
                }
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The taps of the batch Forward has just run: each sequence streamed from its row of the initial state");
        w.Line("/// (and memory) through its real steps with the tapped step; the taps past its length are zero.");
        w.Line("/// </summary>");
        using (w.Open($"private void ForwardTaps({n.InputType} inputs, {Sys}Span<float> taps)"))
        {
            w.Line("EnsureInferenceWeights();");
            w.Line("var state = _tapState ??= new State();");
            w.Line("var output = _tapOutput ??= new float[OutputSize];");
            using (w.Open("for (int b = 0; b < BatchSize; b++)"))
            {
                w.Line("state.Reset();");
                if (plan.Spec.Attention is not null)
                {
                    w.Line("SetMemory(state, Memory.Slice(b * MemoryLength * MemorySize, MemoryLength * MemorySize), _memoryLengths[b]);");
                }

                using (w.Open("for (int layer = 0; layer < LayerCount; layer++)"))
                {
                    w.Line("int size = HiddenSize(layer);");
                    w.Line("InitialHidden(layer).Slice(b * size, size).CopyTo(state.Hidden(layer));");
                    w.Line("if (HasCellState(layer))");
                    using (w.Scope())
                    {
                        w.Line("size = CellSize(layer);");
                        w.Line("InitialCell(layer).Slice(b * size, size).CopyTo(state.Cell(layer));");
                    }
                }

                w.Line();
                w.Line("int steps = _lengths[b];");
                w.Line("var row = taps.Slice(b * SequenceLength * TapSize, SequenceLength * TapSize);");
                using (w.Open("for (int t = 0; t < steps; t++)"))
                {
                    w.Line(tokens
                        ? "StepTapped(state, inputs[(b * SequenceLength) + t], output, ref row[t * TapSize]);"
                        : "StepTapped(state, inputs.Slice(((b * SequenceLength) + t) * InputSize, InputSize), output, ref row[t * TapSize]);");
                }

                w.Line();
                w.Line("row.Slice(steps * TapSize).Clear();");
            }

            KeepAlive(w, "this");
        }
    }
}
