using System.Linq;
using RnnGen.Generator.Models;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// Many independent streams stepped together (<c>StreamBatch</c>, <c>NewStreams</c> and the batched
/// <c>Step</c>): the state of every stream lives in one buffer, field by field ([Count, width] per
/// field of the single-stream State), so each layer's projections for all streams are one matrix
/// product that reads the weights once, instead of one matrix–vector product per stream.
/// </summary>
internal static partial class ModelEmitter
{
    /// <summary>
    /// Multiply–adds a stream batch should hold per participant before Step splits it between the
    /// team's threads: below this, waking the workers costs more than it saves.
    /// </summary>
    private const long StreamWorkPerThread = 131_072;

    /// <summary>
    /// The fewest streams Step splits between threads, however large each stream's step: a whole share
    /// of 4 rows (the split's granularity) and at least one row for a second participant. For an LSTM
    /// 64→128, 5 streams took 12.6 µs on one thread and 8.8 µs split 4 + 1 (6 and 7: 13.0–15.0 and 8.7–13.0 µs).
    /// </summary>
    private const long FewestParallelStreams = 5;

    /// <summary>Every model gets stream batches except attention decoders, whose streams each carry their own memory.</summary>
    private static bool HasStreamBatch(ModelPlan plan) => plan.Spec.Attention is null;

    /// <summary>
    /// A cref to the single-stream Step: once a model has stream batches, a bare "Step" is ambiguous.
    /// Attention decoders keep the bare name (they have one Step).
    /// </summary>
    private static string StepCref(ModelPlan plan) =>
        plan.Spec.Input.IsEmbedding ? $"Step(State, int, {Sys}Span{{float}})" : $"Step(State, {Sys}ReadOnlySpan{{float}}, {Sys}Span{{float}})";

    /// <summary>The interface a model with stream batches implements, after its streaming interface.</summary>
    private static string StreamBatchInterface(ModelPlan plan) =>
        !HasStreamBatch(plan) ? "" : $", {Rt}{(plan.Spec.Input.IsEmbedding ? "ITokenStreamBatchModel" : "IFeatureStreamBatchModel")}<{Code.Identifier(plan.Spec.ClassName)}.StreamBatch>";

    /// <summary>
    /// Process: a block of consecutive steps of one stream in one call (an audio callback's block of
    /// samples, a prompt's tokens), bit for bit the same Steps one after another. The arguments are
    /// checked and the weights made ready once per block; then each step runs Step's own code.
    /// </summary>
    private static void EmitProcess(IndentedWriter w, ModelPlan plan)
    {
        bool tokens = plan.Spec.Input.IsEmbedding;
        w.Line("/// <summary>");
        w.Line(tokens
            ? $"/// Advances one stream by a block of tokens, one step each: exactly what <see cref=\"{StepCref(plan)}\"/> called"
            : $"/// Advances one stream by a block of consecutive steps: exactly what <see cref=\"{StepCref(plan)}\"/> called");
        w.Line("/// once per step computes, bit for bit, with the arguments checked and the weights made ready once for");
        w.Line("/// the block instead of once per step. Allocates nothing, takes no lock and, with Threads = 1, never waits");
        w.Line("/// for another thread: real-time safe (an audio callback can call it for each block of samples).");
        w.Line("/// If an argument is invalid, it throws before any step and the state is unchanged.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"state\">The stream's state, from <see cref=\"NewState\"/>, updated in place.</param>");
        w.Line(tokens
            ? "/// <param name=\"tokens\">The block's token ids, one per step, each in 0 … InputSize − 1.</param>"
            : "/// <param name=\"inputs\">The block's inputs, step after step: InputSize features per step (a multiple of InputSize floats).</param>");
        w.Line("/// <param name=\"outputs\">Receives OutputSize outputs per step, step after step.</param>");
        w.Line(GeneratedCode);
        string inputs = tokens ? $"{Sys}ReadOnlySpan<int> tokens" : $"{Sys}ReadOnlySpan<float> inputs";
        using (w.Open($"public void Process(State state, {inputs}, {Sys}Span<float> outputs)"))
        {
            EmitProcessChecks(w, tokens);
            w.Line();
            w.Line("EnsureInferenceWeights();");
            if (plan.FusesStep)
            {
                w.Line($"if (_inferenceWeights == {Rt}WeightFormat.Float32)");
                using (w.Scope())
                {
                    w.Line("// float32 weights: every step of the block in one fused kernel.");
                    EmitStepBlockCall(w, "inputs", "outputs", "steps");
                    KeepAlive(w, "state", "this");
                    w.Line("return;");
                }

                w.Line();
            }

            w.Line("for (int t = 0; t < steps; t++)");
            using (w.Scope())
            {
                w.Line(tokens
                    ? "StepUnchecked(state, tokens[t], outputs.Slice(t * OutputSize, OutputSize));"
                    : "StepUnchecked(state, inputs.Slice(t * InputSize, InputSize), outputs.Slice(t * OutputSize, OutputSize));");
            }

            KeepAlive(w, "state", "this");
        }

        w.Line();
    }

    /// <summary>Process's checks of a block, before any step: the model and state alive, every token or input valid, the outputs' length; declares steps.</summary>
    private static void EmitProcessChecks(IndentedWriter w, bool tokens)
    {
        w.Line("ThrowIfDisposed();");
        w.Line($"{Sys}ArgumentNullException.ThrowIfNull(state);");
        w.Line("state.ThrowIfDisposed();");
        if (tokens)
        {
            w.Line("int steps = tokens.Length;");
            w.Line("for (int t = 0; t < steps; t++)");
            using (w.Scope())
            {
                w.Line("if ((uint)tokens[t] >= InputSize)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"tokens\", tokens[t], $\"The token of step {{t}} is outside the vocabulary 0 … {{InputSize - 1}} (the state is unchanged).\");");
                }
            }
        }
        else
        {
            w.Line("if (inputs.Length % InputSize != 0)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"inputs must hold InputSize = {{InputSize}} floats per step, but holds {{inputs.Length}}, not a multiple of it.\", \"inputs\");");
            }

            w.Line("int steps = inputs.Length / InputSize;");
            w.Line($"int bad = {Rt}Numerics.Finite.IndexOfNonFinite(inputs);");
            w.Line("if (bad >= 0)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"inputs[{{bad}}] (step {{bad / InputSize}}, feature {{bad % InputSize}}) is {{inputs[bad].ToString({Sys}Globalization.CultureInfo.InvariantCulture)}}; inputs must be finite (the state is unchanged).\", \"inputs\");");
            }
        }

        w.Line("if (outputs.Length != (long)steps * OutputSize)");
        using (w.Scope())
        {
            w.Line($"throw new {Sys}ArgumentException($\"outputs must hold OutputSize = {{OutputSize}} floats per step ({{(long)steps * OutputSize}}), but holds {{outputs.Length}}.\", \"outputs\");");
        }
    }

    /// <summary>Process for a stream batch: a block of consecutive steps of every stream, bit for bit the batched Steps one after another.</summary>
    private static void EmitStreamBatchProcess(IndentedWriter w, ModelPlan plan)
    {
        bool tokens = plan.Spec.Input.IsEmbedding;
        w.Line("/// <summary>");
        w.Line("/// Advances every stream of <paramref name=\"streams\"/> by a block of consecutive steps: exactly what the");
        w.Line("/// batched Step called once per step computes, bit for bit, with the arguments checked and the weights made");
        w.Line("/// ready once for the block. Allocates nothing and takes no lock. If an argument is invalid, it throws before");
        w.Line("/// any step and no stream changes.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"streams\">The streams, from <see cref=\"NewStreams\"/>.</param>");
        w.Line(tokens
            ? "/// <param name=\"tokens\">One token id per stream per step, step by step ([steps, Count]), each in 0 … InputSize − 1.</param>"
            : "/// <param name=\"inputs\">InputSize features per stream per step, step by step ([steps, Count, InputSize]).</param>");
        w.Line("/// <param name=\"outputs\">Receives OutputSize outputs per stream per step, step by step ([steps, Count, OutputSize]).</param>");
        w.Line(GeneratedCode);
        string inputParam = tokens ? $"{Sys}ReadOnlySpan<int> tokens" : $"{Sys}ReadOnlySpan<float> inputs";
        using (w.Open($"public void Process(StreamBatch streams, {inputParam}, {Sys}Span<float> outputs)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line($"{Sys}ArgumentNullException.ThrowIfNull(streams);");
            w.Line("streams.ThrowIfDisposed();");
            w.Line("int count = streams.Count;");
            string per = tokens ? "count" : "count * InputSize";
            string name = tokens ? "tokens" : "inputs";
            w.Line($"if ({name}.Length % ({per}) != 0)");
            using (w.Scope())
            {
                w.Line(tokens
                    ? $"throw new {Sys}ArgumentException($\"tokens must hold one token per stream ({{count}}) per step, but holds {{tokens.Length}}, not a multiple of it.\", \"tokens\");"
                    : $"throw new {Sys}ArgumentException($\"inputs must hold InputSize = {{InputSize}} floats per stream ({{count * InputSize}}) per step, but holds {{inputs.Length}}, not a multiple of it.\", \"inputs\");");
            }

            w.Line($"int steps = {name}.Length / ({per});");
            if (tokens)
            {
                w.Line("for (int i = 0; i < tokens.Length; i++)");
                using (w.Scope())
                {
                    w.Line("if ((uint)tokens[i] >= InputSize)");
                    using (w.Scope())
                    {
                        w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"tokens\", tokens[i], $\"The token of stream {{i % count}} at step {{i / count}} is outside the vocabulary 0 … {{InputSize - 1}} (no stream changed).\");");
                    }
                }
            }
            else
            {
                w.Line($"int bad = {Rt}Numerics.Finite.IndexOfNonFinite(inputs);");
                w.Line("if (bad >= 0)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentException($\"inputs[{{bad}}] (step {{bad / (count * InputSize)}}, stream {{bad / InputSize % count}}, feature {{bad % InputSize}}) is {{inputs[bad].ToString({Sys}Globalization.CultureInfo.InvariantCulture)}}; inputs must be finite (no stream changed).\", \"inputs\");");
                }
            }

            w.Line("if (outputs.Length != (long)steps * count * OutputSize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"outputs must hold OutputSize = {{OutputSize}} floats per stream per step ({{(long)steps * count * OutputSize}}), but holds {{outputs.Length}}.\", \"outputs\");");
            }

            w.Line();
            w.Line("for (int t = 0; t < steps; t++)");
            using (w.Scope())
            {
                w.Line($"AdvanceStreams(streams, {name}.Slice(t * ({per}), {per}), outputs.Slice(t * count * OutputSize, count * OutputSize));");
            }
        }

        w.Line();
    }

    /// <summary>The fields the batched Step's team body reads.</summary>
    private static void EmitStreamBatchFields(IndentedWriter w, ModelPlan plan)
    {
        if (!HasStreamBatch(plan))
        {
            return;
        }

        w.Line("private readonly global::System.Action<int> _streamsBody;");
        w.Line("/// <summary>The stream batch the team is stepping, for its participants; null between calls.</summary>");
        w.Line("private StreamBatch? _steppingStreams;");
    }

    private static void EmitStreamBatch(IndentedWriter w, ModelPlan plan)
    {
        if (!HasStreamBatch(plan))
        {
            return;
        }

        var spec = plan.Spec;
        bool tokens = spec.Input.IsEmbedding;
        int width = spec.Input.Features;
        long macs = plan.StepMultiplyAdds;
        long minimum = System.Math.Max(FewestParallelStreams, (StreamWorkPerThread + macs - 1) / macs);
        var top = plan.Stages[plan.Stages.Count - 1];

        w.Line("/// <summary>");
        w.Line($"/// Streams in a <see cref=\"StreamBatch\"/> from which <c>Step</c> splits them between the <see cref=\"Threads\"/> (each stream's step is {Code.Int(macs)} multiply–adds).");
        w.Line("/// Smaller batches run on the calling thread. Either way every stream gets the same bits.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line($"public const int ParallelStreamsMinimum = {Code.Int(minimum)};");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Creates <paramref name=\"count\"/> independent zeroed streams that <c>Step</c> advances together:");
        w.Line("/// many agents sharing this model. Each stream's outputs and state are bit for bit those of");
        w.Line("/// stepping a <see cref=\"State\"/> alone.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"count\">The number of streams, 1 … StreamBatch.MaxCount.</param>");
        w.Line("/// <returns>The new batch; dispose it to free its memory.</returns>");
        w.Line(GeneratedCode);
        using (w.Open("public StreamBatch NewStreams(int count)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line("if (count < 1 || count > StreamBatch.MaxCount)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"count\", count, $\"A stream batch holds 1 … {{StreamBatch.MaxCount}} streams.\");");
            }

            w.Line("return new StreamBatch(count);");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Advances every stream of <paramref name=\"streams\"/> by one step, updating them in place: the");
        w.Line($"/// outputs and states are bit for bit those of <see cref=\"{StepCref(plan)}\"/> on each stream alone.");
        w.Line("/// Each weight matrix is read once for all of them. Allocates nothing. If an argument is invalid,");
        w.Line("/// nothing is changed.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"streams\">The streams, from <see cref=\"NewStreams\"/>.</param>");
        w.Line(tokens
            ? "/// <param name=\"tokens\">One input token id per stream, each in 0 … InputSize − 1.</param>"
            : "/// <param name=\"inputs\">InputSize features per stream, stream by stream ([Count, InputSize]).</param>");
        w.Line("/// <param name=\"outputs\">Receives OutputSize outputs per stream (before any softmax), stream by stream ([Count, OutputSize]).</param>");
        w.Line(GeneratedCode);
        string inputParam = tokens ? $"{Sys}ReadOnlySpan<int> tokens" : $"{Sys}ReadOnlySpan<float> inputs";
        using (w.Open($"public void Step(StreamBatch streams, {inputParam}, {Sys}Span<float> outputs)"))
        {
            w.Line(tokens ? "RequireStreamStep(streams, tokens, outputs);" : "RequireStreamStep(streams, inputs, outputs);");
            w.Line(tokens ? "AdvanceStreams(streams, tokens, outputs);" : "AdvanceStreams(streams, inputs, outputs);");
        }

        w.Line();
        w.Line("/// <summary>The checks of a stream-batch Step's arguments (with taps or without), before any stream changes; returns the number of streams.</summary>");
        using (w.Open($"private int RequireStreamStep(StreamBatch streams, {inputParam}, {Sys}Span<float> outputs)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line($"{Sys}ArgumentNullException.ThrowIfNull(streams);");
            w.Line("streams.ThrowIfDisposed();");
            w.Line("int count = streams.Count;");
            if (tokens)
            {
                w.Line("if (tokens.Length != count)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentException($\"tokens must hold one token per stream ({{count}}), but holds {{tokens.Length}}.\", \"tokens\");");
                }

                w.Line("for (int r = 0; r < count; r++)");
                using (w.Scope())
                {
                    w.Line("if ((uint)tokens[r] >= InputSize)");
                    using (w.Scope())
                    {
                        w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"tokens\", tokens[r], $\"The token of stream {{r}} is outside the vocabulary 0 … {{InputSize - 1}}.\");");
                    }
                }
            }
            else
            {
                w.Line("if (inputs.Length != count * InputSize)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentException($\"inputs must hold InputSize = {{InputSize}} floats per stream ({{count * InputSize}}), but holds {{inputs.Length}}.\", \"inputs\");");
                }

                w.Line($"int bad = {Rt}Numerics.Finite.IndexOfNonFinite(inputs);");
                w.Line("if (bad >= 0)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentException($\"inputs[{{bad}}] (stream {{bad / InputSize}}, feature {{bad % InputSize}}) is {{inputs[bad].ToString({Sys}Globalization.CultureInfo.InvariantCulture)}}; inputs must be finite (no stream's state changed).\", \"inputs\");");
                }
            }

            w.Line("if (outputs.Length != count * OutputSize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"outputs must hold OutputSize = {{OutputSize}} floats per stream ({{count * OutputSize}}), but holds {{outputs.Length}}.\", \"outputs\");");
            }

            w.Line("return count;");
        }

        w.Line();
        EmitStreamBatchProcess(w, plan);
        w.Line("/// <summary>The batched Step's work after its checks (and Process's, once per step): every stream by one step.</summary>");
        using (w.Open($"private void AdvanceStreams(StreamBatch streams, {inputParam}, {Sys}Span<float> outputs)"))
        {
            w.Line("int count = streams.Count;");
            w.Line($"var x = streams.Buffer.AsSpan(streams.Inputs, count * {Code.Int(width)});");
            if (tokens)
            {
                w.Line($"var embedding = _parameters.AsSpan({P(plan.EmbeddingWeight!)}, {Code.Int((long)spec.Input.Vocabulary * width)});");
                w.Line("// X[r] = E[tokens[r]]; the callers checked every token before any stream changes.");
                using (w.Open("for (int r = 0; r < count; r++)"))
                {
                    w.Line($"embedding.Slice(tokens[r] * {Code.Int(width)}, {Code.Int(width)}).CopyTo(x.Slice(r * {Code.Int(width)}, {Code.Int(width)}));");
                }
            }
            else
            {
                w.Line("inputs.CopyTo(x);");
            }

            w.Line();
            w.Line("EnsureInferenceWeights();");
            w.Line("if (_team is not null && count >= ParallelStreamsMinimum)");
            using (w.Scope())
            {
                w.Line("// Streams are independent: each participant steps a contiguous share of them, no barrier.");
                w.Line("_steppingStreams = streams;");
                w.Line("try");
                using (w.Scope())
                {
                    w.Line("_team.Run(_streamsBody);");
                }

                w.Line("finally");
                using (w.Scope())
                {
                    w.Line("_steppingStreams = null;");
                }
            }

            w.Line("else");
            using (w.Scope())
            {
                w.Line("StepStreams(streams, 0, count);");
            }

            w.Line();
            w.Line("streams.Buffer.AsSpan(streams.Outputs, count * OutputSize).CopyTo(outputs);");
            KeepAlive(w, "streams", "this");
        }

        w.Line();
        w.Line("/// <summary>One participant's share of a batched step: streams [start, start + rows).</summary>");
        using (w.Open("private void StreamsBody(int worker)"))
        {
            w.Line("StreamBatch streams = _steppingStreams!;");
            w.Line("int workers = _team?.Count ?? 1;");
            w.Line("int start = ShareStart(streams.Count, worker, workers, 4);");
            w.Line("int rows = ShareStart(streams.Count, worker + 1, workers, 4) - start;");
            w.Line("if (rows > 0)");
            using (w.Scope())
            {
                w.Line("StepStreams(streams, start, rows);");
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Streams [start, start + rows) by one step, from their inputs in streams.Inputs to their outputs in");
        w.Line("/// streams.Outputs. Row r of every field is stream r's; the kernels are Step's, with rows rows instead of 1.");
        w.Line("/// </summary>");
        using (w.Open("private void StepStreams(StreamBatch streams, int start, int rows)"))
        {
            w.Line("int count = streams.Count;");
            w.Line("ref float p = ref _parameters.Reference;");
            w.Line("ref float q = ref _packed.Reference;");
            DeclareInferenceWeights(w);
            w.Line("ref float s = ref streams.Buffer.Reference;");
            w.Line($"ref float x = ref Kernels.At(ref s, streams.Inputs + (start * {Code.Int(width)}));");
            w.Line("ref float gates = ref Kernels.At(ref s, streams.Gates);");
            if (plan.ProjectionWidths[0] > 0)
            {
                w.Line("ref float hiddenProjection = ref Kernels.At(ref s, streams.HiddenProjection);");
            }

            if (plan.MaxKept > 0)
            {
                w.Line("ref float temp = ref Kernels.At(ref s, streams.Temp);");
            }

            w.Line("// A participant's scratch starts at its first stream's row at the widest layer's width, so it stays");
            w.Line("// inside that participant's rows whichever layer it is on while the others are on another.");
            EmitStepLayers(
                w, plan, "input and hidden projections of these streams, then the cell, updating their state in place",
                (region, width) => $"ref Kernels.At(ref s, (Layout.{region.Name} * count) + (start * {Code.Int(width)}))",
                "ref Kernels.At(ref gates, start * " + Code.Int(plan.MaxGateWidth) + ")",
                k => k == 0
                    ? "ref Kernels.At(ref hiddenProjection, start * " + Code.Int(plan.ProjectionWidths[0]) + ")"
                    : $"ref Kernels.At(ref s, streams.Projection{Code.Int(k)} + (start * {Code.Int(plan.ProjectionWidths[k])}))",
                // A participant's kept values lie in its own rows of the scratch (start · MaxKept on, the same
                // on every layer, since participants do not wait for each other between layers), one after
                // another, each [rows, width].
                (stage, node) => KeptOffset(stage, node) == 0
                    ? $"ref Kernels.At(ref temp, start * {Code.Int(plan.MaxKept)})"
                    : $"ref Kernels.At(ref temp, (start * {Code.Int(plan.MaxKept)}) + ({Code.Int(KeptOffset(stage, node))} * rows))",
                "rows");

            w.Line();
            int th = top.Hidden;
            string headInput = $"ref Kernels.At(ref s, (Layout.{top.StateH.Name} * count) + (start * {Code.Int(th)}))";
            if (plan.Readout == Readout.Mean)
            {
                w.Line("// The mean readout so far, per stream: Σ += h, steps += 1, r = Σ · (1 / steps), as Step computes it");
                using (w.Open("for (int r = start; r < start + rows; r++)"))
                {
                    EmitMeanReadout(
                        w, th,
                        $"streams.Buffer.AsSpan((Layout.StateReadoutSum * count) + (r * {Code.Int(th)})",
                        $"streams.Buffer.AsSpan((Layout.{top.StateH.Name} * count) + (r * {Code.Int(th)})",
                        $"streams.Buffer.AsSpan(streams.Readout + (r * {Code.Int(th)})",
                        "Kernels.At(ref s, (Layout.StateReadoutCount * count) + r)");
                }

                headInput = $"ref Kernels.At(ref s, streams.Readout + (start * {Code.Int(th)}))";
                w.Line();
            }

            w.Line(plan.Readout == Readout.Mean ? "// outputs = r·W_denseᵀ + b_dense for these streams" : "// outputs = h·W_denseᵀ + b_dense for these streams");
            EmitLinear(w, inference: true, plan.Outputs, plan.HeadInputSize, headInput, "Layout." + plan.PackedDense.Name, U("p", P(plan.DenseBias)), "ref Kernels.At(ref s, streams.Outputs + (start * OutputSize))", "rows");
        }

        w.Line();
        if (spec.Condition is { } condition)
        {
            EmitInitialiseStream(w, plan, condition.Features);
        }

        EmitStreamBatchClass(w, plan);
    }

    /// <summary>InitialiseStream: InitialiseState for one stream of a batch.</summary>
    private static void EmitInitialiseStream(IndentedWriter w, ModelPlan plan, int f)
    {
        w.Line("/// <summary>");
        w.Line("/// Sets one stream of a batch to the initial state computed from one conditioning vector, as");
        w.Line("/// <see cref=\"InitialiseState\"/> does for a single stream.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"streams\">The batch, from <see cref=\"NewStreams\"/>.</param>");
        w.Line("/// <param name=\"stream\">Stream index, 0 … streams.Count − 1.</param>");
        w.Line("/// <param name=\"condition\">ConditionSize values.</param>");
        w.Line(GeneratedCode);
        using (w.Open($"public void InitialiseStream(StreamBatch streams, int stream, {Sys}ReadOnlySpan<float> condition)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line($"{Sys}ArgumentNullException.ThrowIfNull(streams);");
            w.Line("streams.ThrowIfDisposed();");
            w.Line("streams.RequireStream(stream);");
            w.Line("if (condition.Length != ConditionSize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"condition must hold ConditionSize = {{ConditionSize}} floats, but holds {{condition.Length}}.\", \"condition\");");
            }

            w.Line($"int bad = {Rt}Numerics.Finite.IndexOfNonFinite(condition);");
            w.Line("if (bad >= 0)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"condition[{{bad}}] is {{condition[bad].ToString({Sys}Globalization.CultureInfo.InvariantCulture)}}; conditioning vectors must be finite.\", \"condition\");");
            }

            w.Line();
            w.Line("EnsurePacked();");
            w.Line("streams.Reset(stream);");
            w.Line("int count = streams.Count;");
            w.Line("ref float p = ref _parameters.Reference;");
            w.Line("ref float q = ref _packed.Reference;");
            w.Line("ref float s = ref streams.Buffer.Reference;");
            w.Line($"ref float c = ref {Sys}Runtime.InteropServices.MemoryMarshal.GetReference(condition);");
            EmitConditionRows(
                w, plan, f, "streams.Buffer",
                stage => $"(Layout.{stage.StateH.Name} * count) + (stream * {Code.Int(stage.Hidden)})",
                stage => $"(Layout.{stage.StateC!.Name} * count) + (stream * {Code.Int(stage.CWidth)})");
            KeepAlive(w, "streams", "this");
        }

        w.Line();
    }

    private static void EmitStreamBatchClass(IndentedWriter w, ModelPlan plan)
    {
        var spec = plan.Spec;
        int width = spec.Input.Features;
        var top = plan.Stages[plan.Stages.Count - 1];
        // Floats per stream: the State's fields, then the scratch of a step, in this order.
        var scratch = new (string Name, string Width, long Floats, string What)[]
        {
            ("Inputs", Code.Int(width), width, spec.Input.IsEmbedding ? "[Count, E]: the embedded tokens of the step" : "[Count, InputSize]: the inputs of the step"),
            ("Gates", Code.Int(plan.MaxGateWidth), plan.MaxGateWidth, "[Count, G·H]: x·W_ihᵀ + b_ih, then the gate values, of the current layer"),
            ("HiddenProjection", Code.Int(plan.ProjectionWidths[0]), plan.ProjectionWidths[0], "[Count, G·H]: h·W_hhᵀ + b_hh of the current layer"),
            ("Temp", Code.Int(plan.MaxKept), plan.MaxKept, "[Count, kept]: the values a layer keeps for the backward pass, unused by a step"),
            ("Readout", Code.Int(top.Hidden), plan.Readout == Readout.Mean ? top.Hidden : 0, "[Count, H]: the mean readout"),
            ("Outputs", "OutputSize", plan.Outputs, "[Count, OutputSize]: the outputs of the step"),
        }.Concat(plan.ProjectionWidths.Skip(1).Select((rows, k) => (Name: "Projection" + Code.Int(k + 1), Width: Code.Int(rows), Floats: (long)rows, What: "[Count, rows]: a layer's per-step product number " + Code.Int(k + 2))))
        .Where(r => r.Floats > 0).ToArray();
        long perStream = plan.StateLayout.Length + scratch.Sum(r => r.Floats);

        w.Line("/// <summary>");
        w.Line("/// The recurrent states of many independent streams, stepped together by <c>Step(StreamBatch, …)</c>,");
        w.Line("/// in native memory. Every field of <see cref=\"State\"/> is stored for all streams side by side");
        w.Line("/// ([Count, width]), so that each layer's projections for every stream are one matrix product.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        using (w.Open($"public sealed class StreamBatch : {Rt}IStreamBatch"))
        {
            w.Line($"/// <summary>Floats one stream takes: its state ({Code.Int(plan.StateLayout.Length)}) and its share of a step's scratch.</summary>");
            w.Line($"private const int FloatsPerStream = {Code.Int(perStream)};");
            w.Line();
            w.Line("/// <summary>The largest number of streams one batch holds (its memory is indexed by int).</summary>");
            w.Line("public const int MaxCount = int.MaxValue / FloatsPerStream;");
            w.Line();
            w.Line($"internal readonly {Rt}AlignedBuffer Buffer;");
            foreach (var r in scratch)
            {
                w.Line($"/// <summary>Offset of {r.What}.</summary>");
                w.Line($"internal readonly int {r.Name};");
            }

            w.Line("private bool _disposed;");
            w.Line();
            using (w.Open("internal StreamBatch(int count)"))
            {
                w.Line("Count = count;");
                w.Line("// The State's fields first, each [Count, width] at Layout offset × Count; then the scratch.");
                w.Line("int offset = Layout.StateLength * count;");
                foreach (var r in scratch)
                {
                    w.Line($"{r.Name} = offset;");
                    w.Line($"offset += {r.Width} * count;");
                }

                w.Line($"Buffer = new {Rt}AlignedBuffer(offset);");
            }

            w.Line();
            w.Line("/// <summary>The number of streams.</summary>");
            w.Line("public int Count { get; }");
            w.Line();
            w.Line($"/// <summary>Number of recurrent layers (stacked layers counted one by one): {Code.Int(plan.Stages.Count)}.</summary>");
            w.Line($"public int LayerCount => {Code.Int(plan.Stages.Count)};");
            w.Line();
            w.Line("/// <summary>Sets every stream's state to zero, as at the start of a sequence.</summary>");
            using (w.Open("public void Reset()"))
            {
                w.Line("ThrowIfDisposed();");
                w.Line("Buffer.AsSpan(0, Layout.StateLength * Count).Clear();");
            }

            w.Line();
            w.Line("/// <summary>Sets one stream's state to zero, as at the start of a sequence.</summary>");
            w.Line("/// <param name=\"stream\">Stream index, 0 … Count − 1.</param>");
            using (w.Open("public void Reset(int stream)"))
            {
                w.Line("ThrowIfDisposed();");
                w.Line("RequireStream(stream);");
                foreach (var region in plan.StateLayout.Regions)
                {
                    w.Line($"Field(Layout.{region.Name}, {Code.Int(region.Length)}, stream).Clear();");
                }
            }

            w.Line();
            w.Line("/// <summary>The hidden state h of one stream at recurrent layer <paramref name=\"layer\"/> (0 is nearest the input), readable and writable.</summary>");
            w.Line("/// <param name=\"stream\">Stream index, 0 … Count − 1.</param>");
            w.Line("/// <param name=\"layer\">Layer index, 0 … LayerCount − 1.</param>");
            w.Line("/// <returns>A view of the batch's memory.</returns>");
            using (w.Open($"public {Sys}Span<float> Hidden(int stream, int layer)"))
            {
                w.Line("ThrowIfDisposed();");
                w.Line("RequireStream(stream);");
                using (w.OpenExpression("return layer switch"))
                {
                    foreach (var stage in plan.Stages)
                    {
                        w.Line($"{Code.Int(stage.Index)} => Field(Layout.{stage.StateH.Name}, {Code.Int(stage.Hidden)}, stream),");
                    }

                    w.Line($"_ => throw new {Sys}ArgumentOutOfRangeException(\"layer\", layer, \"Layer index must be in 0 … LayerCount − 1.\"),");
                }
            }

            w.Line();
            w.Line("/// <summary>The second state (an LSTM's cell state c) of one stream at layer <paramref name=\"layer\"/>, readable and writable.</summary>");
            w.Line("/// <param name=\"stream\">Stream index, 0 … Count − 1.</param>");
            w.Line("/// <param name=\"layer\">Layer index, 0 … LayerCount − 1; the layer must have a second state (an LSTM's c).</param>");
            w.Line("/// <returns>A view of the batch's memory.</returns>");
            using (w.Open($"public {Sys}Span<float> Cell(int stream, int layer)"))
            {
                w.Line("ThrowIfDisposed();");
                w.Line("RequireStream(stream);");
                using (w.OpenExpression("return layer switch"))
                {
                    foreach (var stage in plan.Stages)
                    {
                        w.Line(stage.StateC is { } c
                            ? $"{Code.Int(stage.Index)} => Field(Layout.{c.Name}, {Code.Int(stage.CWidth)}, stream),"
                            : $"{Code.Int(stage.Index)} => throw new {Sys}InvalidOperationException(\"Layer {Code.Int(stage.Index)} ({stage.Title}) has no second state (an LSTM's cell state c).\"),");
                    }

                    w.Line($"_ => throw new {Sys}ArgumentOutOfRangeException(\"layer\", layer, \"Layer index must be in 0 … LayerCount − 1.\"),");
                }
            }

            w.Line();
            w.Line("/// <summary>Sets stream <paramref name=\"stream\"/> to a copy of a single stream's state (to move an agent into the batch).</summary>");
            w.Line("/// <param name=\"stream\">Stream index, 0 … Count − 1.</param>");
            w.Line("/// <param name=\"source\">The state to copy.</param>");
            using (w.Open("public void CopyFrom(int stream, State source)"))
            {
                w.Line("ThrowIfDisposed();");
                w.Line("RequireStream(stream);");
                w.Line($"{Sys}ArgumentNullException.ThrowIfNull(source);");
                w.Line("source.ThrowIfDisposed();");
                foreach (var region in plan.StateLayout.Regions)
                {
                    w.Line($"source.Buffer.AsSpan(Layout.{region.Name}, {Code.Int(region.Length)}).CopyTo(Field(Layout.{region.Name}, {Code.Int(region.Length)}, stream));");
                }

                KeepAlive(w, "source", "this");
            }

            w.Line();
            w.Line("/// <summary>Copies stream <paramref name=\"stream\"/> into a single stream's state (to move an agent out of the batch).</summary>");
            w.Line("/// <param name=\"stream\">Stream index, 0 … Count − 1.</param>");
            w.Line("/// <param name=\"destination\">The state to overwrite.</param>");
            using (w.Open("public void CopyTo(int stream, State destination)"))
            {
                w.Line("ThrowIfDisposed();");
                w.Line("RequireStream(stream);");
                w.Line($"{Sys}ArgumentNullException.ThrowIfNull(destination);");
                w.Line("destination.ThrowIfDisposed();");
                foreach (var region in plan.StateLayout.Regions)
                {
                    w.Line($"Field(Layout.{region.Name}, {Code.Int(region.Length)}, stream).CopyTo(destination.Buffer.AsSpan(Layout.{region.Name}, {Code.Int(region.Length)}));");
                }

                KeepAlive(w, "destination", "this");
            }

            w.Line();
            w.Line("/// <summary>Frees the batch's native memory.</summary>");
            using (w.Open("public void Dispose()"))
            {
                w.Line("_disposed = true;");
                w.Line("Buffer.Dispose();");
            }

            w.Line();
            w.Line("/// <summary>Row <paramref name=\"stream\"/> of the field stored at Layout offset <paramref name=\"offset\"/> × Count.</summary>");
            using (w.Open($"private {Sys}Span<float> Field(int offset, int width, int stream)"))
            {
                w.Line("return Buffer.AsSpan((offset * Count) + (stream * width), width);");
            }

            w.Line();
            using (w.Open("internal void RequireStream(int stream)"))
            {
                w.Line("if ((uint)stream >= (uint)Count)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"stream\", stream, \"Stream index must be in 0 … Count − 1.\");");
                }
            }

            w.Line();
            using (w.Open("internal void ThrowIfDisposed()"))
            {
                w.Line("if (_disposed)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ObjectDisposedException(\"StreamBatch\");");
                }
            }
        }

        w.Line();
    }
}
