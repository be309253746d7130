using RnnGen.Generator.Models;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// The whole-batch public API: Forward, TrainStep and Evaluate (each with and without per-sequence
/// lengths), Backward from caller-supplied output gradients, and the batch's initial and final
/// recurrent state with their gradients.
/// </summary>
internal static partial class ModelEmitter
{
    private sealed class BatchNames
    {
        public BatchNames(ModelPlan plan)
        {
            var spec = plan.Spec;
            Tokens = spec.Input.IsEmbedding;
            ClassTargets = spec.Loss == LossKind.SoftmaxCrossEntropy;
            InputType = Tokens ? $"{Sys}ReadOnlySpan<int>" : $"{Sys}ReadOnlySpan<float>";
            TargetType = ClassTargets ? $"{Sys}ReadOnlySpan<int>" : $"{Sys}ReadOnlySpan<float>";
            InputDoc = Tokens
                ? "Token ids, batch-major [BatchSize, SequenceLength], each in 0 … InputSize − 1 (padding positions are not read)."
                : "Features, batch-major [BatchSize, SequenceLength, InputSize] (padding positions are not read).";
            string rows = plan.ManyToOne ? "[BatchSize" : "[BatchSize, SequenceLength";
            TargetDoc = ClassTargets
                ? $"Class ids, batch-major {rows}], each in 0 … OutputSize − 1" + (plan.ManyToOne ? " (one per sequence)." : " (padding positions are not read).")
                : $"Target values, batch-major {rows}, OutputSize]" + (plan.ManyToOne ? " (one row per sequence)." : " (padding positions are not read).");
            OutputDoc = plan.ManyToOne
                ? "Receives the dense head's outputs (before any softmax), one row per sequence: [BatchSize, OutputSize]."
                : "Receives the dense head's outputs (before any softmax), batch-major [BatchSize, SequenceLength, OutputSize]; zero at padding positions.";
            LengthsDoc = "The number of real steps of each sequence, BatchSize values in 0 … SequenceLength; the steps after them are padding.";
        }

        public bool Tokens { get; }

        public bool ClassTargets { get; }

        public string InputType { get; }

        public string TargetType { get; }

        public string InputDoc { get; }

        public string TargetDoc { get; }

        public string OutputDoc { get; }

        public string LengthsDoc { get; }
    }

    private static void EmitBatchApi(IndentedWriter w, ModelPlan plan)
    {
        var n = new BatchNames(plan);
        string lengthsType = $"{Sys}ReadOnlySpan<int>";
        string lossDoc = n.ClassTargets
            ? "/// <returns>The softmax cross-entropy, averaged over the real " + (plan.ManyToOne ? "sequences" : "steps") + " (nats).</returns>"
            : "/// <returns>The squared error, averaged over every output element of the real " + (plan.ManyToOne ? "sequences" : "steps") + ".</returns>";

        // ---- Forward ----
        w.Line("/// <summary>Runs the whole batch through the whole sequence, every sequence SequenceLength steps long.</summary>");
        w.Line($"/// <param name=\"inputs\">{n.InputDoc}</param>");
        w.Line($"/// <param name=\"outputs\">{n.OutputDoc}</param>");
        w.Line(GeneratedCode);
        using (w.Open($"public void Forward({n.InputType} inputs, {Sys}Span<float> outputs)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line("ForwardCore(inputs, default, outputs);");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Runs a batch of sequences of different lengths: sequence b is its first lengths[b] steps. The");
        w.Line("/// state each sequence ends in (<see cref=\"FinalHidden\"/>) is the state after its last real step.");
        w.Line("/// </summary>");
        w.Line($"/// <param name=\"inputs\">{n.InputDoc}</param>");
        w.Line($"/// <param name=\"lengths\">{n.LengthsDoc}</param>");
        w.Line($"/// <param name=\"outputs\">{n.OutputDoc}</param>");
        w.Line(GeneratedCode);
        using (w.Open($"public void Forward({n.InputType} inputs, {lengthsType} lengths, {Sys}Span<float> outputs)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line("RequireLengths(lengths);");
            w.Line("ForwardCore(inputs, lengths, outputs);");
        }

        w.Line();
        using (w.Open($"private void ForwardCore({n.InputType} inputs, {lengthsType} lengths, {Sys}Span<float> outputs)"))
        {
            w.Line("ValidateLengths(lengths);");
            if (plan.Spec.Attention is not null)
            {
                w.Line("ValidateMemoryLengths();");
            }

            w.Line("ValidateInputs(inputs, lengths);");
            if (plan.Spec.Condition is not null)
            {
                w.Line("ValidateConditions();");
            }
            w.Line("if (outputs.Length != BatchSize * OutputSteps * OutputSize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"outputs must hold BatchSize × {(plan.ManyToOne ? "" : "SequenceLength × ")}OutputSize = {{BatchSize * OutputSteps * OutputSize}} floats, but holds {{outputs.Length}}.\", \"outputs\");");
            }

            w.Line();
            if (plan.HasDropout)
            {
                w.Line("BeginDropout(Training);");
            }

            w.Line("BeginPass(inputs, lengths);");
            w.Line("RunForward(inputs, inference: true);");
            w.Line("_forwardDone = true;");
            if (plan.ManyToOne)
            {
                w.Line("// Y is [B, O], one row per sequence: already the caller's layout.");
                w.Line("_activations.AsSpan(Layout.Y, BatchSize * OutputSize).CopyTo(outputs);");
            }
            else
            {
                w.Line("// Y is time-major [T, B, O]; the caller's layout is batch-major [B, T, O]. Padding is written as zeros.");
                w.Line($"var y = _activations.AsSpan(Layout.Y, SequenceLength * BatchSize * OutputSize);");
                EmitMaskedRowCopy(w, "y", TimeMajorRow, "outputs", BatchMajorRow);
            }

            KeepAlive(w, "this");
        }

        // ---- TrainStep ----
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// One training step without the optimizer: forward pass, loss, and backpropagation through time,");
        w.Line("/// every sequence SequenceLength steps long. Leaves d(loss)/d(parameter) in every");
        w.Line("/// <see cref=\"Parameters\"/> gradient (overwritten unless <see cref=\"AccumulateGradients\"/> is set),");
        w.Line("/// and d(loss)/d(initial state) in <see cref=\"InitialHiddenGradient\"/>. The caller's");
        w.Line("/// <see cref=\"FinalHiddenGradient\"/> (zero unless set) is added to the loss's own gradient.");
        w.Line("/// </summary>");
        w.Line($"/// <param name=\"inputs\">{n.InputDoc}</param>");
        w.Line($"/// <param name=\"targets\">{n.TargetDoc}</param>");
        w.Line(lossDoc);
        w.Line(GeneratedCode);
        using (w.Open($"public float TrainStep({n.InputType} inputs, {n.TargetType} targets)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line("return TrainStepCore(inputs, default, targets);");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// One training step on sequences of different lengths: padding steps contribute nothing to the");
        w.Line("/// loss or to any gradient, and the mean is over the real " + (plan.ManyToOne ? "sequences (those with at least one step)." : "steps."));
        w.Line("/// Otherwise as <see cref=\"TrainStep(" + TypeRef(n.InputType) + ", " + TypeRef(n.TargetType) + ")\"/>.");
        w.Line("/// </summary>");
        w.Line($"/// <param name=\"inputs\">{n.InputDoc}</param>");
        w.Line($"/// <param name=\"lengths\">{n.LengthsDoc} At least one must be positive.</param>");
        w.Line($"/// <param name=\"targets\">{n.TargetDoc}</param>");
        w.Line(lossDoc);
        w.Line(GeneratedCode);
        using (w.Open($"public float TrainStep({n.InputType} inputs, {lengthsType} lengths, {n.TargetType} targets)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line("RequireLengths(lengths);");
            w.Line("return TrainStepCore(inputs, lengths, targets);");
        }

        w.Line();
        using (w.Open($"private float TrainStepCore({n.InputType} inputs, {lengthsType} lengths, {n.TargetType} targets)"))
        {
            w.Line(plan.HasDropout ? "double loss = LossPass(inputs, lengths, targets, dropout: true);" : "double loss = LossPass(inputs, lengths, targets);");
            w.Line("// A non-finite loss is reported before the gradients are touched; a non-finite gradient after them.");
            w.Line($"{Rt}Numerics.Finite.RequireFiniteLoss(loss);");
            w.Line("if (!AccumulateGradients)");
            using (w.Scope())
            {
                w.Line("_gradients.Clear();");
            }

            w.Line("RunBackward();");
            w.Line($"{Rt}Numerics.Finite.RequireFiniteGradients(_parameterList);");
            KeepAlive(w, "this");
            w.Line("return (float)loss;");
        }

        // ---- Evaluate ----
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The forward pass and the mean loss, without backpropagation: gradients are left as they are.");
        w.Line("/// For validation, and wherever the loss is needed to more than float precision.");
        w.Line("/// </summary>");
        w.Line($"/// <param name=\"inputs\">{n.InputDoc}</param>");
        w.Line($"/// <param name=\"targets\">{n.TargetDoc}</param>");
        w.Line("/// <returns>The same mean loss as <see cref=\"TrainStep(" + TypeRef(n.InputType) + ", " + TypeRef(n.TargetType) + ")\"/>, accumulated and returned in double precision.</returns>");
        w.Line(GeneratedCode);
        using (w.Open($"public double Evaluate({n.InputType} inputs, {n.TargetType} targets)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line(plan.HasDropout ? "return LossPass(inputs, default, targets, Training);" : "return LossPass(inputs, default, targets);");
        }

        w.Line();
        w.Line("/// <summary>The mean loss of sequences of different lengths, without backpropagation.</summary>");
        w.Line($"/// <param name=\"inputs\">{n.InputDoc}</param>");
        w.Line($"/// <param name=\"lengths\">{n.LengthsDoc} At least one must be positive.</param>");
        w.Line($"/// <param name=\"targets\">{n.TargetDoc}</param>");
        w.Line("/// <returns>The same mean loss as the TrainStep with lengths, in double precision.</returns>");
        w.Line(GeneratedCode);
        using (w.Open($"public double Evaluate({n.InputType} inputs, {lengthsType} lengths, {n.TargetType} targets)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line("RequireLengths(lengths);");
            w.Line(plan.HasDropout ? "return LossPass(inputs, lengths, targets, Training);" : "return LossPass(inputs, lengths, targets);");
        }

        w.Line();
        w.Line(plan.HasDropout
            ? "/// <summary>Validates, runs the forward pass with the loss (dropping if <paramref name=\"dropout\"/>), and returns the mean loss.</summary>"
            : "/// <summary>Validates, runs the forward pass with the loss, and returns the mean loss.</summary>");
        using (w.Open($"private double LossPass({n.InputType} inputs, {lengthsType} lengths, {n.TargetType} targets{(plan.HasDropout ? ", bool dropout" : "")})"))
        {
            w.Line("ValidateLengths(lengths);");
            if (plan.Spec.Attention is not null)
            {
                w.Line("ValidateMemoryLengths();");
            }

            w.Line("ValidateInputs(inputs, lengths);");
            if (plan.Spec.Condition is not null)
            {
                w.Line("ValidateConditions();");
            }
            w.Line("ValidateTargets(targets, lengths);");
            w.Line("if (RealRows(lengths) == 0)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException(\"Every sequence has length 0, so there is no loss.\", \"lengths\");");
            }

            w.Line();
            if (plan.HasDropout)
            {
                w.Line("BeginDropout(dropout);");
            }

            w.Line("BeginPass(inputs, lengths);");
            w.Line("targets.CopyTo(_targets);");
            w.Line("_withLoss = true;");
            w.Line("try");
            using (w.Scope())
            {
                w.Line("RunForward(inputs, inference: false);");
            }

            w.Line("finally");
            using (w.Scope())
            {
                w.Line("_withLoss = false;");
            }

            w.Line("_forwardDone = true;");
            KeepAlive(w, "this");
            w.Line("return SumLoss();");
        }

        // ---- Backward ----
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Backpropagation through time of the most recent Forward, TrainStep or Evaluate, from gradients");
        w.Line("/// the caller supplies instead of this model's loss: d(loss)/d(outputs) and the");
        w.Line("/// <see cref=\"FinalHiddenGradient\"/> (zero unless set). This is how a model whose outputs or final");
        w.Line("/// state feed another model (an encoder, a model chained to another) is trained. Leaves the");
        w.Line("/// parameter gradients (overwritten unless <see cref=\"AccumulateGradients\"/> is set) and");
        w.Line("/// <see cref=\"InitialHiddenGradient\"/>. The parameters must not have changed since that forward pass.");
        w.Line("/// </summary>");
        w.Line(plan.ManyToOne
            ? "/// <param name=\"outputGradients\">d(loss)/d(outputs), [BatchSize, OutputSize]; rows of sequences of length 0 are not read.</param>"
            : "/// <param name=\"outputGradients\">d(loss)/d(outputs), batch-major [BatchSize, SequenceLength, OutputSize]; padding positions are not read.</param>");
        w.Line($"/// <exception cref=\"{Sys}InvalidOperationException\">No Forward, TrainStep or Evaluate has completed on this model yet, or the last Forward read compact weights (see InferenceWeights).</exception>");
        w.Line(GeneratedCode);
        using (w.Open($"public void Backward({Sys}ReadOnlySpan<float> outputGradients)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line("if (!_forwardDone)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}InvalidOperationException(\"Backward needs the activations of a completed Forward, TrainStep or Evaluate; none is available.\");");
            }

            w.Line($"if (_forwardFormat != {Rt}WeightFormat.Float32)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}InvalidOperationException($\"Backward needs a float32 forward pass, but the last Forward read {{_forwardFormat}} weights: set InferenceWeights = WeightFormat.Float32 and run Forward again.\");");
            }

            w.Line("if (outputGradients.Length != BatchSize * OutputSteps * OutputSize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"outputGradients must hold {{BatchSize * OutputSteps * OutputSize}} floats, but holds {{outputGradients.Length}}.\", \"outputGradients\");");
            }

            w.Line();
            if (plan.ManyToOne)
            {
                w.Line($"var dy = _activations.AsSpan(Layout.DY, BatchSize * OutputSize);");
                using (w.Open("for (int b = 0; b < BatchSize; b++)"))
                {
                    w.Line($"var destination = dy.Slice(b * OutputSize, OutputSize);");
                    w.Line("if (_lengths[b] > 0)");
                    using (w.Scope())
                    {
                        w.Line("outputGradients.Slice(b * OutputSize, OutputSize).CopyTo(destination);");
                    }

                    w.Line("else");
                    using (w.Scope())
                    {
                        w.Line("destination.Clear();");
                    }
                }
            }
            else
            {
                w.Line("// DY is time-major [T, B, O]; padding positions get no gradient.");
                w.Line($"var dy = _activations.AsSpan(Layout.DY, SequenceLength * BatchSize * OutputSize);");
                EmitMaskedRowCopy(w, "outputGradients", BatchMajorRow, "dy", TimeMajorRow);
            }

            w.Line("if (!AccumulateGradients)");
            using (w.Scope())
            {
                w.Line("_gradients.Clear();");
            }

            w.Line("RunBackward();");
            KeepAlive(w, "this");
        }

        w.Line();
        EmitValidation(w, plan, n);
    }

    private const string TimeMajorRow = "((t * BatchSize) + b)";
    private const string BatchMajorRow = "((b * SequenceLength) + t)";

    /// <summary>
    /// For every batch entry b and step t: row <paramref name="destinationRow"/> of
    /// <paramref name="destination"/> ← row <paramref name="sourceRow"/> of <paramref name="source"/>
    /// (OutputSize floats) at the real steps, zeros at padding.
    /// </summary>
    private static void EmitMaskedRowCopy(IndentedWriter w, string source, string sourceRow, string destination, string destinationRow)
    {
        using (w.Open("for (int b = 0; b < BatchSize; b++)"))
        {
            using (w.Open("for (int t = 0; t < SequenceLength; t++)"))
            {
                w.Line($"var row = {destination}.Slice({destinationRow} * OutputSize, OutputSize);");
                w.Line("if (t < _lengths[b])");
                using (w.Scope())
                {
                    w.Line($"{source}.Slice({sourceRow} * OutputSize, OutputSize).CopyTo(row);");
                }

                w.Line("else");
                using (w.Scope())
                {
                    w.Line("row.Clear();");
                }
            }
        }
    }

    /// <summary>"ReadOnlySpan{int}": a type as a cref spells it.</summary>
    private static string TypeRef(string type) => type.Replace('<', '{').Replace('>', '}');

    private static void EmitValidation(IndentedWriter w, ModelPlan plan, BatchNames n)
    {
        using (w.Open($"private static void RequireLengths({Sys}ReadOnlySpan<int> lengths)"))
        {
            w.Line("if (lengths.Length != BatchSize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"lengths must hold BatchSize = {{BatchSize}} values, but holds {{lengths.Length}}.\", \"lengths\");");
            }
        }

        w.Line();
        w.Line("/// <summary>Checks each length (an empty span stands for every sequence at full length).</summary>");
        using (w.Open($"private static void ValidateLengths({Sys}ReadOnlySpan<int> lengths)"))
        {
            using (w.Open("for (int b = 0; b < lengths.Length; b++)"))
            {
                w.Line("if ((uint)lengths[b] > SequenceLength)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"lengths\", lengths[b], $\"The length of sequence {{b}} is outside 0 … SequenceLength = {{SequenceLength}}.\");");
                }
            }
        }

        w.Line();
        w.Line("/// <summary>The real steps of sequence <paramref name=\"b\"/> (an empty span: every sequence at full length).</summary>");
        w.Line(Code.AggressiveInlining);
        w.Line($"private static int LengthOf({Sys}ReadOnlySpan<int> lengths, int b) => lengths.IsEmpty ? SequenceLength : lengths[b];");
        w.Line();
        w.Line(plan.ManyToOne
            ? "/// <summary>The rows the loss averages over: the sequences with at least one real step.</summary>"
            : "/// <summary>The rows the loss averages over: the real steps of all sequences.</summary>");
        using (w.Open($"private static int RealRows({Sys}ReadOnlySpan<int> lengths)"))
        {
            w.Line("int rows = 0;");
            using (w.Open("for (int b = 0; b < BatchSize; b++)"))
            {
                w.Line(plan.ManyToOne ? "rows += LengthOf(lengths, b) > 0 ? 1 : 0;" : "rows += LengthOf(lengths, b);");
            }

            w.Line("return rows;");
        }

        w.Line();
        w.Line("/// <summary>Commits a validated call's lengths (and token ids, for the backward pass's embedding update).</summary>");
        using (w.Open($"private void BeginPass({n.InputType} inputs, {Sys}ReadOnlySpan<int> lengths)"))
        {
            w.Line("_forwardDone = false;");
            using (w.Open("for (int b = 0; b < BatchSize; b++)"))
            {
                w.Line("_lengths[b] = LengthOf(lengths, b);");
            }

            w.Line("_realRows = RealRows(lengths);");
            w.Line(n.Tokens ? "inputs.CopyTo(_inputs);" : "_ = inputs;");
        }

        w.Line();
        using (w.Open($"private static void ValidateInputs({n.InputType} inputs, {Sys}ReadOnlySpan<int> lengths)"))
        {
            if (n.Tokens)
            {
                w.Line("if (inputs.Length != BatchSize * SequenceLength)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentException($\"inputs must hold BatchSize × SequenceLength = {{BatchSize * SequenceLength}} token ids, but holds {{inputs.Length}}.\", \"inputs\");");
                }

                using (w.Open("for (int b = 0; b < BatchSize; b++)"))
                {
                    w.Line("int length = LengthOf(lengths, b);");
                    using (w.Open("for (int t = 0; t < length; t++)"))
                    {
                        w.Line("int i = (b * SequenceLength) + t;");
                        w.Line("if ((uint)inputs[i] >= InputSize)");
                        using (w.Scope())
                        {
                            w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"inputs\", inputs[i], $\"Token id at index {{i}} is outside the vocabulary 0 … {{InputSize - 1}}.\");");
                        }
                    }
                }
            }
            else
            {
                w.Line("if (inputs.Length != BatchSize * SequenceLength * InputSize)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}ArgumentException($\"inputs must hold BatchSize × SequenceLength × InputSize = {{BatchSize * SequenceLength * InputSize}} floats, but holds {{inputs.Length}}.\", \"inputs\");");
                }

                w.Line("// A NaN or an infinity would reach every later step and every gradient: refuse it here, by position.");
                using (w.Open("for (int b = 0; b < BatchSize; b++)"))
                {
                    w.Line("int start = b * SequenceLength * InputSize;");
                    w.Line($"int bad = {Rt}Numerics.Finite.IndexOfNonFinite(inputs.Slice(start, LengthOf(lengths, b) * InputSize));");
                    w.Line("if (bad >= 0)");
                    using (w.Scope())
                    {
                        w.Line($"throw new {Sys}ArgumentException($\"inputs[{{start + bad}}] (sequence {{b}}, step {{bad / InputSize}}, feature {{bad % InputSize}}) is {{inputs[start + bad].ToString({Sys}Globalization.CultureInfo.InvariantCulture)}}; inputs must be finite.\", \"inputs\");");
                    }
                }
            }
        }

        EmitValidateConditions(w, plan);
        w.Line();
        using (w.Open($"private static void ValidateTargets({n.TargetType} targets, {Sys}ReadOnlySpan<int> lengths)"))
        {
            string count = (plan.ManyToOne ? "BatchSize" : "BatchSize * SequenceLength") + (n.ClassTargets ? "" : " * OutputSize");
            string what = (plan.ManyToOne ? "BatchSize" : "BatchSize × SequenceLength") + (n.ClassTargets ? "" : " × OutputSize");
            w.Line($"if (targets.Length != {count})");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"targets must hold {what} = {{{count}}} {(n.ClassTargets ? "class ids" : "floats")}, but holds {{targets.Length}}.\", \"targets\");");
            }

            if (!n.ClassTargets)
            {
                w.Line("// A NaN or infinite target would make the loss and every gradient NaN: refuse it here, by position.");
                using (w.Open("for (int b = 0; b < BatchSize; b++)"))
                {
                    if (plan.ManyToOne)
                    {
                        w.Line("int start = b * OutputSize;");
                        w.Line($"int bad = LengthOf(lengths, b) > 0 ? {Rt}Numerics.Finite.IndexOfNonFinite(targets.Slice(start, OutputSize)) : -1;");
                    }
                    else
                    {
                        w.Line("int start = b * SequenceLength * OutputSize;");
                        w.Line($"int bad = {Rt}Numerics.Finite.IndexOfNonFinite(targets.Slice(start, LengthOf(lengths, b) * OutputSize));");
                    }

                    w.Line("if (bad >= 0)");
                    using (w.Scope())
                    {
                        string where = plan.ManyToOne ? "sequence {b}, output {bad}" : "sequence {b}, step {bad / OutputSize}, output {bad % OutputSize}";
                        w.Line($"throw new {Sys}ArgumentException($\"targets[{{start + bad}}] ({where}) is {{targets[start + bad].ToString({Sys}Globalization.CultureInfo.InvariantCulture)}}; targets must be finite.\", \"targets\");");
                    }
                }

                return;
            }

            using (w.Open("for (int b = 0; b < BatchSize; b++)"))
            {
                if (plan.ManyToOne)
                {
                    w.Line("if (LengthOf(lengths, b) > 0 && (uint)targets[b] >= OutputSize)");
                    using (w.Scope())
                    {
                        w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"targets\", targets[b], $\"Target class of sequence {{b}} is outside 0 … {{OutputSize - 1}}.\");");
                    }
                }
                else
                {
                    w.Line("int length = LengthOf(lengths, b);");
                    using (w.Open("for (int t = 0; t < length; t++)"))
                    {
                        w.Line("int i = (b * SequenceLength) + t;");
                        w.Line("if ((uint)targets[i] >= OutputSize)");
                        using (w.Scope())
                        {
                            w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"targets\", targets[i], $\"Target class at index {{i}} is outside 0 … {{OutputSize - 1}}.\");");
                        }
                    }
                }
            }
        }

        w.Line();
    }

    /// <summary>With [Condition]: ValidateConditions, which refuses a NaN or infinite conditioning value before a pass starts.</summary>
    private static void EmitValidateConditions(IndentedWriter w, ModelPlan plan)
    {
        if (plan.Spec.Condition is null)
        {
            return;
        }

        w.Line();
        using (w.Open("private void ValidateConditions()"))
        {
            w.Line($"var conditions = _activations.AsSpan(Layout.Cond, BatchSize * ConditionSize);");
            w.Line($"int bad = {Rt}Numerics.Finite.IndexOfNonFinite(conditions);");
            w.Line("if (bad >= 0)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}InvalidOperationException($\"Conditions[{{bad}}] (sequence {{bad / ConditionSize}}, feature {{bad % ConditionSize}}) is {{conditions[bad].ToString({Sys}Globalization.CultureInfo.InvariantCulture)}}; conditioning vectors must be finite.\");");
            }
        }
    }

    /// <summary>The batch's initial and final state, their gradients, and the state-carrying helpers.</summary>
    private static void EmitBatchState(IndentedWriter w, ModelPlan plan)
    {
        w.Line($"/// <summary>Number of recurrent layers (stacked layers counted one by one): {Code.Int(plan.Stages.Count)}.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public const int LayerCount = {Code.Int(plan.Stages.Count)};");
        w.Line();
        w.Line($"int {Rt}IRnnModel.LayerCount => LayerCount;");
        w.Line();
        const string Layer = "Layer index, 0 … LayerCount − 1 (0 is nearest the input).";
        LayerSwitch(w, plan, "public int HiddenSize(int layer)", "The hidden size of recurrent layer <paramref name=\"layer\"/>.", Layer,
            "The number of hidden units.", stage => Code.Int(stage.Hidden));
        w.Line();
        LayerSwitch(w, plan, "public int CellSize(int layer)", "The width of recurrent layer <paramref name=\"layer\"/>'s second state (an LSTM's c), or 0 when it has none.", Layer,
            "The number of units.", stage => Code.Int(stage.C is not null ? stage.CWidth : 0));
        w.Line();
        LayerSwitch(w, plan, "public bool HasCellState(int layer)", "Whether recurrent layer <paramref name=\"layer\"/> has a second state (an LSTM's cell state c, or the second state of a cell written in C#).",
            "Layer index, 0 … LayerCount − 1.", "<see langword=\"true\"/> for a layer with a second state.", stage => stage.C is not null ? "true" : "false");

        StateView(w, plan, "InitialHidden", "Span", s => s.H0, false,
            "The initial hidden state h₀ of every sequence of the batch for layer <paramref name=\"layer\"/>, [BatchSize, H], readable and writable. Zero until set; kept across calls (see <see cref=\"CarryState\"/>). Every forward pass starts from it.");
        StateView(w, plan, "InitialCell", "Span", s => s.C0, true,
            "The initial second state (an LSTM's cell state c₀) of layer <paramref name=\"layer\"/>, [BatchSize, H], readable and writable. Zero until set; kept across calls.");
        StateView(w, plan, "FinalHidden", "ReadOnlySpan", s => s.HT, false,
            "The hidden state of layer <paramref name=\"layer\"/> after each sequence's last real step in the most recent forward pass, [BatchSize, H] (the initial state for a sequence of length 0).");
        StateView(w, plan, "FinalCell", "ReadOnlySpan", s => s.CT, true,
            "The second state (an LSTM's cell state c) of layer <paramref name=\"layer\"/> after each sequence's last real step in the most recent forward pass, [BatchSize, H].");
        StateView(w, plan, "InitialHiddenGradient", "ReadOnlySpan", s => s.DH0, false,
            "d(loss)/d(<see cref=\"InitialHidden\"/>) for layer <paramref name=\"layer\"/>, [BatchSize, H], left by the most recent TrainStep or Backward (overwritten each time): the gradient to pass to whatever produced the initial state.");
        StateView(w, plan, "InitialCellGradient", "ReadOnlySpan", s => s.DC0, true,
            "d(loss)/d(<see cref=\"InitialCell\"/>) for layer <paramref name=\"layer\"/>, [BatchSize, H], left by the most recent TrainStep or Backward.");
        StateView(w, plan, "FinalHiddenGradient", "Span", s => s.DHT, false,
            "The gradient of a downstream loss with respect to <see cref=\"FinalHidden\"/> of layer <paramref name=\"layer\"/>, [BatchSize, H], readable and writable: TrainStep and Backward add it to the gradient at each sequence's last real step. Zero until set; kept across calls.");
        StateView(w, plan, "FinalCellGradient", "Span", s => s.DCT, true,
            "The gradient of a downstream loss with respect to <see cref=\"FinalCell\"/> of layer <paramref name=\"layer\"/>, [BatchSize, H], readable and writable; as <see cref=\"FinalHiddenGradient\"/>.");

        w.Line("/// <summary>");
        w.Line("/// Makes the final state of the most recent forward pass the initial state of the next, for every layer:");
        w.Line("/// truncated backpropagation through time over a stream longer than SequenceLength, cut into");
        w.Line("/// consecutive chunks (gradients do not flow across the cut).");
        w.Line("/// </summary>");
        if (plan.Spec.Condition is not null)
        {
            w.Line($"/// <exception cref=\"{Sys}InvalidOperationException\">Always: this model computes its initial state from <see cref=\"Conditions\"/>.</exception>");
        }

        w.Line(GeneratedCode);
        using (w.Open("public void CarryState()"))
        {
            w.Line("ThrowIfDisposed();");
            if (plan.Spec.Condition is not null)
            {
                w.Line($"throw new {Sys}InvalidOperationException(\"This model computes every initial state from its Conditions, so a final state cannot be carried into the next pass.\");");
            }

            foreach (var s in plan.Spec.Condition is null ? plan.Stages : System.Array.Empty<StagePlan>())
            {
                w.Line($"_activations.AsSpan(Layout.{s.HT.Name}, BatchSize * {Code.Int(s.Hidden)}).CopyTo(_activations.AsSpan(Layout.{s.H0.Name}, BatchSize * {Code.Int(s.Hidden)}));");
                if (s.CT is { } ct)
                {
                    w.Line($"_activations.AsSpan(Layout.{ct.Name}, BatchSize * {Code.Int(s.CWidth)}).CopyTo(_activations.AsSpan(Layout.{s.C0!.Name}, BatchSize * {Code.Int(s.CWidth)}));");
                }
            }
        }

        w.Line();
        w.Line("/// <summary>Sets the initial state of every layer back to zero, as at the start of a stream.</summary>");
        w.Line(GeneratedCode);
        using (w.Open("public void ResetInitialState()"))
        {
            w.Line("ThrowIfDisposed();");
            foreach (var s in plan.Stages)
            {
                w.Line($"_activations.AsSpan(Layout.{s.H0.Name}, BatchSize * {Code.Int(s.Hidden)}).Clear();");
                if (s.C0 is { } c0)
                {
                    w.Line($"_activations.AsSpan(Layout.{c0.Name}, BatchSize * {Code.Int(s.CWidth)}).Clear();");
                }
            }
        }

        w.Line();
    }

    /// <summary>A documented method returning one constant per layer: <c>return layer switch { 0 => …, … }</c>.</summary>
    private static void LayerSwitch(IndentedWriter w, ModelPlan plan, string signature, string summary, string param, string returns, System.Func<StagePlan, string> value)
    {
        w.Line($"/// <summary>{summary}</summary>");
        w.Line($"/// <param name=\"layer\">{param}</param>");
        w.Line($"/// <returns>{returns}</returns>");
        w.Line(GeneratedCode);
        using (w.Open(signature))
        {
            using (w.OpenExpression("return layer switch"))
            {
                foreach (var stage in plan.Stages)
                {
                    w.Line($"{Code.Int(stage.Index)} => {value(stage)},");
                }

                w.Line($"_ => throw new {Sys}ArgumentOutOfRangeException(\"layer\", layer, \"Layer index must be in 0 … LayerCount − 1.\"),");
            }
        }
    }

    private static void StateView(IndentedWriter w, ModelPlan plan, string name, string span, System.Func<StagePlan, BufferRegion?> region, bool cellOnly, string summary)
    {
        w.Line();
        w.Line($"/// <summary>{summary}</summary>");
        w.Line(cellOnly
            ? "/// <param name=\"layer\">Layer index, 0 … LayerCount − 1; the layer must have a second state (an LSTM's c).</param>"
            : "/// <param name=\"layer\">Layer index, 0 … LayerCount − 1 (0 is nearest the input).</param>");
        w.Line("/// <returns>A view of the model's memory, valid until the model is disposed.</returns>");
        w.Line(GeneratedCode);
        using (w.Open($"public {Sys}{span}<float> {name}(int layer)"))
        {
            w.Line("ThrowIfDisposed();");
            using (w.OpenExpression("return layer switch"))
            {
                foreach (var stage in plan.Stages)
                {
                    w.Line(region(stage) is { } r
                        ? $"{Code.Int(stage.Index)} => _activations.AsSpan(Layout.{r.Name}, BatchSize * {Code.Int(stage.WidthOf(r))}),"
                        : $"{Code.Int(stage.Index)} => throw new {Sys}InvalidOperationException(\"Layer {Code.Int(stage.Index)} ({stage.Title}) has no second state (an LSTM's cell state c).\"),");
                }

                w.Line($"_ => throw new {Sys}ArgumentOutOfRangeException(\"layer\", layer, \"Layer index must be in 0 … LayerCount − 1.\"),");
            }
        }
    }
}
