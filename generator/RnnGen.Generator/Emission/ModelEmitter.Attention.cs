using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// Additive attention ([Attention]) between the top recurrent layer and the head:
/// e_tj = vᵀ tanh(W_q·s_t + W_k·m_j + b_k), α_t = softmax(e_t) over the memory's real steps,
/// c_t = Σ_j α_tj m_j, and the head reads [s_t ; c_t].
/// </summary>
internal static partial class ModelEmitter
{
    private static void EmitAttentionApi(IndentedWriter w, ModelPlan plan)
    {
        if (plan.Spec.Attention is not { } attention)
        {
            return;
        }

        int hm = attention.MemorySize, tm = attention.MemoryLength, units = attention.Units;
        w.Line("/// <summary>The size of each memory vector attended over.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public const int MemorySize = {Code.Int(hm)};");
        w.Line();
        w.Line("/// <summary>The number of memory vectors per sequence.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public const int MemoryLength = {Code.Int(tm)};");
        w.Line();
        w.Line("/// <summary>The size of the attention's hidden layer.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public const int AttentionUnits = {Code.Int(units)};");
        w.Line();
        w.Line($"int {Rt}IAttentionModel.MemorySize => MemorySize;");
        w.Line();
        w.Line($"int {Rt}IAttentionModel.MemoryLength => MemoryLength;");
        w.Line();
        w.Line("/// <summary>The real memory length of each sequence; MemoryLength until set.</summary>");
        w.Line("private readonly int[] _memoryLengths = FullMemoryLengths();");
        w.Line();
        using (w.Open("private static int[] FullMemoryLengths()"))
        {
            w.Line("var lengths = new int[BatchSize];");
            w.Line($"{Sys}Array.Fill(lengths, MemoryLength);");
            w.Line("return lengths;");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The memory of every sequence, [BatchSize, MemoryLength, MemorySize] (for example an encoder's outputs,");
        w.Line("/// which have this layout), readable and writable; read by every forward pass and by its backward pass,");
        w.Line("/// so it must not change between the two. Zero until set.");
        w.Line("/// </summary>");
        w.Line(GeneratedCode);
        w.Line($"public {Sys}Span<float> Memory {{ get {{ ThrowIfDisposed(); return _activations.AsSpan(Layout.Memory, BatchSize * MemoryLength * MemorySize); }} }}");
        w.Line();
        w.Line("/// <summary>The real memory length of each sequence, BatchSize values in 1 … MemoryLength, readable and writable; rows past it get no attention.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public {Sys}Span<int> MemoryLengths => _memoryLengths;");
        w.Line();
        w.Line("/// <summary>d(loss)/d(<see cref=\"Memory\"/>), left by the most recent TrainStep or Backward: pass it to the encoder's Backward.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public {Sys}ReadOnlySpan<float> MemoryGradient {{ get {{ ThrowIfDisposed(); return _activations.AsSpan(Layout.MemoryGradient, BatchSize * MemoryLength * MemorySize); }} }}");
        w.Line();
        w.Line("/// <summary>The attention weights α of sequence <paramref name=\"b\"/> at step <paramref name=\"t\"/> in the most recent forward pass (zero past its memory length).</summary>");
        w.Line("/// <param name=\"b\">Batch entry, 0 … BatchSize − 1.</param>");
        w.Line("/// <param name=\"t\">Time step, 0 … SequenceLength − 1.</param>");
        w.Line("/// <returns>MemoryLength weights summing to 1, a view of the model's memory.</returns>");
        w.Line(GeneratedCode);
        using (w.Open($"public {Sys}ReadOnlySpan<float> AttentionWeights(int b, int t)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line($"{Sys}ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)b, (uint)BatchSize, \"b\");");
            w.Line($"{Sys}ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)t, (uint)SequenceLength, \"t\");");
            w.Line("return _activations.AsSpan(Layout.Alpha + (((t * BatchSize) + b) * MemoryLength), MemoryLength);");
        }

        w.Line();
        using (w.Open("private void ValidateMemoryLengths()"))
        {
            using (w.Open("for (int b = 0; b < BatchSize; b++)"))
            {
                w.Line("if ((uint)(_memoryLengths[b] - 1) >= MemoryLength)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}InvalidOperationException($\"MemoryLengths[{{b}}] is {{_memoryLengths[b]}}; each must be in 1 … MemoryLength = {{MemoryLength}}.\");");
                }

                w.Line("int start = b * MemoryLength * MemorySize;");
                w.Line($"var memory = _activations.AsSpan(Layout.Memory + start, _memoryLengths[b] * MemorySize);");
                w.Line($"int bad = {Rt}Numerics.Finite.IndexOfNonFinite(memory);");
                w.Line("if (bad >= 0)");
                using (w.Scope())
                {
                    w.Line($"throw new {Sys}InvalidOperationException($\"Memory[{{start + bad}}] (sequence {{b}}, row {{bad / MemorySize}}, feature {{bad % MemorySize}}) is {{memory[bad].ToString({Sys}Globalization.CultureInfo.InvariantCulture)}}; memory must be finite.\");");
                }
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Gives a stream its memory (one sequence's encoder outputs) and computes its keys, before");
        w.Line($"/// <see cref=\"{StepCref(plan)}\"/>: stepping then reproduces Forward for a sequence with this memory.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"state\">The stream's state.</param>");
        w.Line("/// <param name=\"memory\">[MemoryLength, MemorySize] values; rows past <paramref name=\"length\"/> are not read.</param>");
        w.Line("/// <param name=\"length\">The real memory length, 1 … MemoryLength.</param>");
        w.Line(GeneratedCode);
        using (w.Open($"public void SetMemory(State state, {Sys}ReadOnlySpan<float> memory, int length)"))
        {
            w.Line("ThrowIfDisposed();");
            w.Line($"{Sys}ArgumentNullException.ThrowIfNull(state);");
            w.Line("state.ThrowIfDisposed();");
            w.Line("if (memory.Length != MemoryLength * MemorySize)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"memory must hold MemoryLength × MemorySize = {{MemoryLength * MemorySize}} floats, but holds {{memory.Length}}.\", \"memory\");");
            }

            w.Line("if ((uint)(length - 1) >= MemoryLength)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentOutOfRangeException(\"length\", length, \"The memory length must be in 1 … MemoryLength.\");");
            }

            w.Line($"int bad = {Rt}Numerics.Finite.IndexOfNonFinite(memory.Slice(0, length * MemorySize));");
            w.Line("if (bad >= 0)");
            using (w.Scope())
            {
                w.Line($"throw new {Sys}ArgumentException($\"memory[{{bad}}] (row {{bad / MemorySize}}, feature {{bad % MemorySize}}) is {{memory[bad].ToString({Sys}Globalization.CultureInfo.InvariantCulture)}}; memory must be finite.\", \"memory\");");
            }

            w.Line();
            w.Line("EnsurePacked();");
            w.Line("memory.CopyTo(state.Buffer.AsSpan(Layout.StateMemory, MemoryLength * MemorySize));");
            w.Line("ref float p = ref _parameters.Reference;");
            w.Line("ref float q = ref _packed.Reference;");
            w.Line("ref float s = ref state.Buffer.Reference;");
            w.Line("// k_j = W_k·m_j + b_k for every memory row");
            w.Line($"Kernels.{MatrixKernelEmitter.LinearName(units, hm)}({U("s", "Layout.StateMemory")}, {U("q", "Layout." + plan.PackedKey!.Name)}, {U("p", P(plan.KeyBias!))}, {U("s", "Layout.StateKeys")}, MemoryLength);");
            w.Line("Kernels.At(ref s, Layout.StateMemoryLength) = length;");
            KeepAlive(w, "state", "this");
        }

        w.Line();
    }

    /// <summary>The attention's part of Step: q = W_q·h, then AttendRow over the stream's memory into [h ; c].</summary>
    private static void EmitAttentionStep(IndentedWriter w, ModelPlan plan)
    {
        var attention = plan.Spec.Attention!;
        var top = plan.Stages[plan.Stages.Count - 1];
        int h = top.Hidden, units = attention.Units;
        w.Line();
        w.Line("// Attention over the stream's memory: q = W_q·h, then α and c; the head reads [h ; c]");
        w.Line("int memoryLength = (int)Kernels.At(ref s, Layout.StateMemoryLength);");
        w.Line("if (memoryLength < 1)");
        using (w.Scope())
        {
            w.Line($"throw new {Sys}InvalidOperationException(\"The state has no memory: call SetMemory before Step.\");");
        }

        w.Line("ref float a = ref _activations.Reference;");
        EmitLinear(w, inference: true, units, h, U("s", "Layout." + top.StateH.Name), "Layout." + plan.PackedQuery!.Name, U("a", "Layout.Zeros"), U("scratch", "Layout.StepQuery"), "1");
        w.Line($"var headInput = _stepScratch.AsSpan(Layout.StepHC, {Code.Int(plan.HeadInputSize)});");
        w.Line($"state.Buffer.AsSpan(Layout.{top.StateH.Name}, {Code.Int(h)}).CopyTo(headInput);");
        w.Line("AttendRow(");
        w.Line("    _stepScratch.AsSpan(Layout.StepQuery, AttentionUnits),");
        w.Line("    state.Buffer.AsSpan(Layout.StateKeys, MemoryLength * AttentionUnits),");
        w.Line("    state.Buffer.AsSpan(Layout.StateMemory, MemoryLength * MemorySize),");
        w.Line("    memoryLength,");
        w.Line($"    _parameters.AsSpan({P(plan.ScoreWeight!)}, AttentionUnits),");
        w.Line("    _stepScratch.AsSpan(Layout.StepTanh, MemoryLength * AttentionUnits),");
        w.Line("    _stepScratch.AsSpan(Layout.StepAlpha, MemoryLength),");
        w.Line($"    headInput.Slice({Code.Int(h)}, MemorySize));");
    }

    private static void EmitAttentionDrivers(IndentedWriter w, ModelPlan plan)
    {
        var top = plan.Stages[plan.Stages.Count - 1];
        int h = top.Hidden, hin = plan.HeadInputSize;
        var attention = plan.Spec.Attention!;
        int units = attention.Units, hm = attention.MemorySize;

        // ---- forward ----
        w.Line("/// <summary>");
        w.Line("/// Attention for every step: keys K = M·W_kᵀ + b_k (each participant its batch entries) and queries");
        w.Line("/// Q = S·W_qᵀ (a share of the T·B rows); then each participant attends for its batch entries at every");
        w.Line("/// step, writing [s_t ; c_t] for the head.");
        w.Line("/// </summary>");
        using (w.Open("private void AttentionForward(int worker, int workers)"))
        {
            w.Line("ref float p = ref _parameters.Reference;");
            w.Line("ref float q = ref _packed.Reference;");
            DeclareInferenceWeights(w, forward: true);
            w.Line("ref float a = ref _activations.Reference;");
            Share(w, "b0", "batch", "BatchSize", 1);
            w.Line($"Kernels.{MatrixKernelEmitter.LinearName(units, hm)}({U("a", "Layout.Memory + (b0 * MemoryLength * MemorySize)")}, {U("q", "Layout." + plan.PackedKey!.Name)}, {U("p", P(plan.KeyBias!))}, {U("a", "Layout.Keys + (b0 * MemoryLength * AttentionUnits)")}, batch * MemoryLength);");
            Share(w, "r0", "rows", "SequenceLength * BatchSize", 4);
            EmitLinear(w, inference: true, units, h, U("a", HeadSource(plan) + $" + (r0 * {Code.Int(h)})"), "Layout." + plan.PackedQuery!.Name, U("a", "Layout.Zeros"), U("a", "Layout.Queries + (r0 * AttentionUnits)"), "rows");
            w.Line("Barrier();");
            w.Line();
            w.Line($"var v = _parameters.AsSpan({P(plan.ScoreWeight!)}, AttentionUnits);");
            using (w.Open("for (int b = b0; b < b0 + batch; b++)"))
            {
                w.Line($"var memory = _activations.AsSpan(Layout.Memory + (b * MemoryLength * MemorySize), MemoryLength * MemorySize);");
                w.Line($"var keys = _activations.AsSpan(Layout.Keys + (b * MemoryLength * AttentionUnits), MemoryLength * AttentionUnits);");
                using (w.Open("for (int t = 0; t < SequenceLength; t++)"))
                {
                    w.Line("int r = (t * BatchSize) + b;");
                    w.Line($"var headInput = _activations.AsSpan(Layout.HC + (r * {Code.Int(hin)}), {Code.Int(hin)});");
                    w.Line($"_activations.AsSpan({HeadSourceRow(plan, "r")}, {Code.Int(h)}).CopyTo(headInput);");
                    w.Line("AttendRow(");
                    w.Line("    _activations.AsSpan(Layout.Queries + (r * AttentionUnits), AttentionUnits),");
                    w.Line("    keys,");
                    w.Line("    memory,");
                    w.Line("    _memoryLengths[b],");
                    w.Line("    v,");
                    w.Line("    _activations.AsSpan(Layout.AttentionTanh + (r * MemoryLength * AttentionUnits), MemoryLength * AttentionUnits),");
                    w.Line("    _activations.AsSpan(Layout.Alpha + (r * MemoryLength), MemoryLength),");
                    w.Line($"    headInput.Slice({Code.Int(h)}, MemorySize));");
                }
            }

            w.Line();
            w.Line("// The head reads every participant's rows.");
            w.Line("Barrier();");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// One step of attention: e_j = Σ_a v_a·tanh(q_a + k_ja) for j &lt; length, α = softmax(e) (0 beyond");
        w.Line("/// length), c = Σ_j α_j·m_j. Keeps tanh(q + k) and α for the backward pass. Forward and Step share it.");
        w.Line("/// </summary>");
        using (w.Open($"private static void AttendRow({Sys}ReadOnlySpan<float> query, {Sys}ReadOnlySpan<float> keys, {Sys}ReadOnlySpan<float> memory, int length, {Sys}ReadOnlySpan<float> v, {Sys}Span<float> tanh, {Sys}Span<float> alpha, {Sys}Span<float> context)"))
        {
            w.Line("float max = float.NegativeInfinity;");
            using (w.Open("for (int j = 0; j < length; j++)"))
            {
                w.Line($"var k = keys.Slice(j * AttentionUnits, AttentionUnits);");
                w.Line($"var th = tanh.Slice(j * AttentionUnits, AttentionUnits);");
                w.Line("float e = 0f;");
                using (w.Open("for (int i = 0; i < AttentionUnits; i++)"))
                {
                    w.Line($"float x = {Code.Activations}.{Code.Tanh(plan.Spec.RationalActivations)}(query[i] + k[i]);");
                    w.Line("th[i] = x;");
                    w.Line("e += v[i] * x;");
                }

                w.Line("alpha[j] = e;");
                w.Line($"max = {Sys}MathF.Max(max, e);");
            }

            w.Line();
            w.Line("float sum = 0f;");
            using (w.Open("for (int j = 0; j < length; j++)"))
            {
                w.Line($"alpha[j] = {Sys}MathF.Exp(alpha[j] - max);");
                w.Line("sum += alpha[j];");
            }

            w.Line("float inverse = 1f / sum;");
            using (w.Open("for (int j = 0; j < length; j++)"))
            {
                w.Line("alpha[j] *= inverse;");
            }

            w.Line("alpha.Slice(length).Clear();");
            w.Line();
            w.Line("context.Clear();");
            using (w.Open("for (int j = 0; j < length; j++)"))
            {
                w.Line("float weight = alpha[j];");
                w.Line($"var m = memory.Slice(j * MemorySize, MemorySize);");
                using (w.Open("for (int i = 0; i < MemorySize; i++)"))
                {
                    w.Line("context[i] += weight * m[i];");
                }
            }
        }

        // ---- backward ----
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Backward through the attention, from ∂L/∂[S ; C] (DHC): ∂L/∂S goes to the top layer's DH directly and");
        w.Line("/// through the queries; ∂L/∂C through α and the keys to the memory (MemoryGradient); then the weight");
        w.Line("/// gradients of W_q, W_k, b_k and v. Batch entries, then rows, are split between the participants.");
        w.Line("/// </summary>");
        using (w.Open("private void AttentionBackward(int worker, int workers)"))
        {
            w.Line("ref float p = ref _parameters.Reference;");
            w.Line("ref float g = ref _gradients.Reference;");
            w.Line("ref float a = ref _activations.Reference;");
            w.Line($"var v = _parameters.AsSpan({P(plan.ScoreWeight!)}, AttentionUnits);");
            Share(w, "b0", "batch", "BatchSize", 1);
            using (w.Open("for (int b = b0; b < b0 + batch; b++)"))
            {
                w.Line($"var memory = _activations.AsSpan(Layout.Memory + (b * MemoryLength * MemorySize), MemoryLength * MemorySize);");
                w.Line($"var dKeys = _activations.AsSpan(Layout.DK + (b * MemoryLength * AttentionUnits), MemoryLength * AttentionUnits);");
                w.Line($"var dMemory = _activations.AsSpan(Layout.MemoryGradient + (b * MemoryLength * MemorySize), MemoryLength * MemorySize);");
                w.Line($"var dScore = _activations.AsSpan(Layout.ScorePartial + (b * AttentionUnits), AttentionUnits);");
                w.Line("dKeys.Clear();");
                w.Line("dMemory.Clear();");
                w.Line("dScore.Clear();");
                using (w.Open("for (int t = 0; t < SequenceLength; t++)"))
                {
                    w.Line("int r = (t * BatchSize) + b;");
                    w.Line($"var dHeadInput = _activations.AsSpan(Layout.DHC + (r * {Code.Int(hin)}), {Code.Int(hin)});");
                    w.Line($"dHeadInput.Slice(0, {Code.Int(h)}).CopyTo(_activations.AsSpan(Layout.{top.DH.Name} + (r * {Code.Int(h)}), {Code.Int(h)}));");
                    w.Line("AttendBackwardRow(");
                    w.Line($"    dHeadInput.Slice({Code.Int(h)}, MemorySize),");
                    w.Line("    memory,");
                    w.Line("    _memoryLengths[b],");
                    w.Line("    v,");
                    w.Line("    _activations.AsSpan(Layout.AttentionTanh + (r * MemoryLength * AttentionUnits), MemoryLength * AttentionUnits),");
                    w.Line("    _activations.AsSpan(Layout.Alpha + (r * MemoryLength), MemoryLength),");
                    w.Line("    _activations.AsSpan(Layout.DQ + (r * AttentionUnits), AttentionUnits),");
                    w.Line("    dKeys,");
                    w.Line("    dMemory,");
                    w.Line("    dScore);");
                }
            }

            w.Line();
            w.Line("// The weight gradients and the products below read every participant's entries.");
            w.Line("Barrier();");
            w.Line();
            w.Line("// dW_q += DQᵀ·S, dW_k += DKᵀ·M, db_k += Σ DK, dv = Σ_b (each entry's share), a share of the A rows each");
            Share(w, "n0", "units", "AttentionUnits", 16);
            w.Line("_activations.AsSpan(Layout.Discard + n0, units).Clear();");
            w.Line($"Kernels.{MatrixKernelEmitter.WeightGradientName(units, h)}({U("a", "Layout.DQ + n0")}, {U("a", HeadSource(plan))}, {U("g", P(plan.QueryWeight!) + $" + (n0 * {Code.Int(h)})")}, {U("a", "Layout.Discard + n0")}, SequenceLength * BatchSize, units);");
            w.Line($"Kernels.{MatrixKernelEmitter.WeightGradientName(units, hm)}({U("a", "Layout.DK + n0")}, {U("a", "Layout.Memory")}, {U("g", P(plan.KeyWeight!) + " + (n0 * MemorySize)")}, {U("g", P(plan.KeyBias!) + " + n0")}, BatchSize * MemoryLength, units);");
            w.Line($"var dv = _gradients.AsSpan({P(plan.ScoreWeight!)}, AttentionUnits);");
            w.Line($"var partial = _activations.AsSpan(Layout.ScorePartial, BatchSize * AttentionUnits);");
            using (w.Open("for (int i = n0; i < n0 + units; i++)"))
            {
                w.Line("float sum = 0f;");
                using (w.Open("for (int b = 0; b < BatchSize; b++)"))
                {
                    w.Line("sum += partial[(b * AttentionUnits) + i];");
                }

                w.Line("dv[i] += sum;");
            }

            w.Line();
            w.Line("// ∂L/∂S += DQ·W_q (onto the direct part), a share of the T·B rows each");
            Share(w, "r0", "rows", "SequenceLength * BatchSize", 4);
            w.Line($"Kernels.{MatrixKernelEmitter.InputGradientName(units, h)}({U("a", "Layout.DQ + (r0 * AttentionUnits)")}, {U("p", P(plan.QueryWeight!))}, {U("a", $"Layout.{top.DH.Name} + (r0 * {Code.Int(h)})")}, rows);");
            w.Line("// ∂L/∂M += DK·W_k, a share of the B·Tm memory rows each");
            Share(w, "m0", "memoryRows", "BatchSize * MemoryLength", 4);
            w.Line($"Kernels.{MatrixKernelEmitter.InputGradientName(units, hm)}({U("a", "Layout.DK + (m0 * AttentionUnits)")}, {U("p", P(plan.KeyWeight!))}, {U("a", "Layout.MemoryGradient + (m0 * MemorySize)")}, memoryRows);");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Backward through one step of attention: dα_j = dc·m_j and dm_j += α_j·dc; through the softmax,");
        w.Line("/// de_j = α_j·(dα_j − Σ_k α_k·dα_k); through the score, with u = tanh(q + k_j): dv += de_j·u,");
        w.Line("/// and d(q + k_j) = de_j·v ⊙ (1 − u²), which is written to dq (summed over j) and added to dk_j.");
        w.Line("/// </summary>");
        using (w.Open($"private static void AttendBackwardRow({Sys}ReadOnlySpan<float> dContext, {Sys}ReadOnlySpan<float> memory, int length, {Sys}ReadOnlySpan<float> v, {Sys}ReadOnlySpan<float> tanh, {Sys}ReadOnlySpan<float> alpha, {Sys}Span<float> dQuery, {Sys}Span<float> dKeys, {Sys}Span<float> dMemory, {Sys}Span<float> dScore)"))
        {
            w.Line("dQuery.Clear();");
            w.Line("float weighted = 0f;");
            using (w.Open("for (int j = 0; j < length; j++)"))
            {
                w.Line($"var m = memory.Slice(j * MemorySize, MemorySize);");
                w.Line($"var dm = dMemory.Slice(j * MemorySize, MemorySize);");
                w.Line("float dAlpha = 0f;");
                using (w.Open("for (int i = 0; i < MemorySize; i++)"))
                {
                    w.Line("dAlpha += dContext[i] * m[i];");
                    w.Line("dm[i] += alpha[j] * dContext[i];");
                }

                w.Line("weighted += alpha[j] * dAlpha;");
            }

            w.Line();
            using (w.Open("for (int j = 0; j < length; j++)"))
            {
                w.Line($"var m = memory.Slice(j * MemorySize, MemorySize);");
                w.Line("float dAlpha = 0f;");
                using (w.Open("for (int i = 0; i < MemorySize; i++)"))
                {
                    w.Line("dAlpha += dContext[i] * m[i];");
                }

                w.Line("float de = alpha[j] * (dAlpha - weighted);");
                w.Line($"var u = tanh.Slice(j * AttentionUnits, AttentionUnits);");
                w.Line($"var dk = dKeys.Slice(j * AttentionUnits, AttentionUnits);");
                using (w.Open("for (int i = 0; i < AttentionUnits; i++)"))
                {
                    w.Line("dScore[i] += de * u[i];");
                    w.Line("float dPre = de * v[i] * (1f - (u[i] * u[i]));");
                    w.Line("dQuery[i] += dPre;");
                    w.Line("dk[i] += dPre;");
                }
            }
        }

        w.Line();
    }
}
