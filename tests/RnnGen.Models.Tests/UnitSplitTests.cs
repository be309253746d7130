using System;
using System.Collections.Generic;
using Xunit;

namespace RnnGen.Models.Tests;

// Models whose layers can be split by hidden units between threads (every hidden size a multiple of
// 32 and at least 64) at batch size 1, so Forward's recurrence is split as well as Step. They are not
// PyTorch fixtures: the split paths must give the bits of the one-thread paths, which the fixtures check.
// SplitLstm has 3 panels of units per layer (uneven shares on 2 threads) and a head whose last panel
// is narrower (40 = 32 + 8); SplitGru's head is narrower than one panel; SplitRnn is an Elman layer;
// SplitPeephole's gates read per-unit peephole weights, each thread its units of them.

[RnnModel(SequenceLength = 12, BatchSize = 1)]
[Input(Features = 20)]
[Lstm(Hidden = 96, Layers = 2)]
[Dense(Outputs = 40)]
[MeanSquaredError]
public partial class SplitLstm;

[RnnModel(SequenceLength = 10, BatchSize = 1)]
[Embedding(Vocabulary = 30, Dimensions = 16)]
[Gru(Hidden = 160)]
[Dense(Outputs = 30)]
[SoftmaxCrossEntropy]
public partial class SplitGru;

[RnnModel(SequenceLength = 9, BatchSize = 1)]
[Input(Features = 8)]
[Rnn(Hidden = 256, Activation = RnnActivation.Relu)]
[Dense(Outputs = 64)]
[MeanSquaredError]
public partial class SplitRnn;

[RnnModel(SequenceLength = 8, BatchSize = 1)]
[Input(Features = 16)]
[Lstm(Hidden = 128, Peepholes = true)]
[Dense(Outputs = 24)]
[MeanSquaredError]
public partial class SplitPeephole;

// SplitRationalGru: SplitGru with rational sigmoid and tanh (ActivationMath.Rational), in the unit-split kernels too.
[RnnModel(SequenceLength = 10, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Embedding(Vocabulary = 30, Dimensions = 16)]
[Gru(Hidden = 160)]
[Dense(Outputs = 30)]
[SoftmaxCrossEntropy]
public partial class SplitRationalGru;

/// <summary>
/// Work with a single row (a stream's Step, Forward at batch size 1) is split between threads by
/// hidden units. Each element is still one thread's chain of the same kernel, so the outputs, states,
/// losses and gradients are bit for bit those of one thread.
/// </summary>
public sealed class UnitSplitTests
{
    public static IEnumerable<object[]> SplitModels() => [["SplitLstm"], ["SplitGru"], ["SplitRnn"], ["SplitPeephole"], ["SplitRationalGru"]];

    /// <summary>The fixture models and the split models above: Step must not depend on the thread count for any of them.</summary>
    public static IEnumerable<object[]> AllModels()
    {
        foreach (object[] model in FixtureModelsCatalog.All())
        {
            yield return model;
        }

        foreach (object[] model in SplitModels())
        {
            yield return model;
        }
    }

    [Theory]
    [MemberData(nameof(SplitModels))]
    public void ForwardTrainAndEvaluate_OnTwoAndThreeThreads_GiveTheBitsOfOne(string model)
    {
        // Full length, and shorter sequences (padding steps after them).
        foreach (int? length in new int?[] { null, 5, 1 })
        {
            var reference = RunBatch(model, length, threads: 1, ThreadSplit.Always);
            foreach (int threads in new[] { 2, 3 })
            {
                // Always: every pass split. Adaptive: the passes alternate at first (split, alone, split).
                foreach (var split in new[] { ThreadSplit.Always, ThreadSplit.Adaptive })
                {
                    var other = RunBatch(model, length, threads, split);
                    Assert.Equal(reference.Length, other.Length);
                    for (int i = 0; i < reference.Length; i++)
                    {
                        Assert.True(reference[i].AsSpan().SequenceEqual(other[i]), $"{model}, length {length?.ToString() ?? "full"}, {threads} threads, {split}: result {i} differs from one thread's.");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void Step_OnTwoAndThreeThreads_GivesTheBitsOfOne(string model)
    {
        foreach (var format in new[] { WeightFormat.Float32, WeightFormat.BFloat16, WeightFormat.Int8 })
        {
            var reference = RunStreams(model, threads: 1, format, ThreadSplit.Always);
            foreach (int threads in new[] { 2, 3 })
            {
                // Always: every step split. Adaptive: split and alone steps mixed within each stream.
                foreach (var split in new[] { ThreadSplit.Always, ThreadSplit.Adaptive })
                {
                    var other = RunStreams(model, threads, format, split);
                    Assert.Equal(reference, other);
                }
            }
        }
    }

    [Fact]
    public void SplitStep_AllocatesNothing()
    {
        using var model = new SplitLstm(seed: 2) { Threads = 2 };
        using var state = model.NewState();
        var input = new float[SplitLstm.InputSize];
        var output = new float[SplitLstm.OutputSize];
        input.AsSpan().Fill(0.25f);

        Assert.Equal(0, Allocations.AfterWarmUp(() => model.Step(state, input, output), runs: 200));
        model.InferenceWeights = WeightFormat.BFloat16;
        Assert.Equal(0, Allocations.AfterWarmUp(() => model.Step(state, input, output), runs: 200));
        model.InferenceWeights = WeightFormat.Int8;
        Assert.Equal(0, Allocations.AfterWarmUp(() => model.Step(state, input, output), runs: 200));
    }

    [Fact]
    public void ThreadSplit_IsAdaptiveByDefault_AndChecked()
    {
        var model = new SplitLstm(seed: 2);
        Assert.Equal(ThreadSplit.Adaptive, model.ThreadSplit);
        model.ThreadSplit = ThreadSplit.Always;
        Assert.Equal(ThreadSplit.Always, model.ThreadSplit);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ThreadSplit = (ThreadSplit)7);
        Assert.Equal(ThreadSplit.Always, model.ThreadSplit);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.ThreadSplit = ThreadSplit.Adaptive);

        // A model with nothing to split by hidden units (8 units) has no such property.
        Assert.Null(typeof(FusedLstm8).GetProperty("ThreadSplit"));
        Assert.NotNull(typeof(SplitGru).GetProperty("ThreadSplit"));
    }

    [Fact]
    public void SplitStep_InvalidArgumentsChangeNothing()
    {
        using var model = new SplitLstm(seed: 2) { Threads = 2 };
        using var state = model.NewState();
        var input = new float[SplitLstm.InputSize];
        var output = new float[SplitLstm.OutputSize];
        input.AsSpan().Fill(0.5f);
        model.Step(state, input, output);
        var hidden = state.Hidden(1).ToArray();

        Assert.Throws<ArgumentException>(() => model.Step(state, new float[SplitLstm.InputSize + 1], output));
        Assert.Throws<ArgumentException>(() => model.Step(state, input, new float[SplitLstm.OutputSize - 1]));
        Assert.Equal(hidden, state.Hidden(1).ToArray());
    }

    /// <summary>Every batch entry streamed step by step; the outputs of all of them, concatenated.</summary>
    private static float[] RunStreams(string model, int threads, WeightFormat format, ThreadSplit split)
    {
        var h = CreateModel(model);
        using (h)
        {
            h.Model.Threads = threads;
            SetThreadSplit(h.Model, split);
            h.Model.InferenceWeights = format;
            int t = h.Model.SequenceLength, o = h.Model.OutputSize;
            var all = new float[h.Model.BatchSize * t * o];
            for (int b = 0; b < h.Model.BatchSize; b++)
            {
                var streamed = new float[t * o];
                int steps = h.Stream(b, streamed);
                streamed.AsSpan(0, steps * o).CopyTo(all.AsSpan(b * t * o));
            }

            return all;
        }
    }

    /// <summary>Forward's outputs and final states, TrainStep's loss and gradients (parameters and initial state), Evaluate's loss.</summary>
    private static float[][] RunBatch(string model, int? length, int threads, ThreadSplit split)
    {
        using var h = CreateSplitModel(model, length);
        h.Model.Threads = threads;
        SetThreadSplit(h.Model, split);
        var results = new List<float[]>();
        var outputs = new float[h.OutputCount];
        h.Forward(outputs);
        results.Add(outputs);
        for (int layer = 0; layer < h.Model.LayerCount; layer++)
        {
            results.Add(h.Model.FinalHidden(layer).ToArray());
            if (h.Model.HasCellState(layer))
            {
                results.Add(h.Model.FinalCell(layer).ToArray());
            }
        }

        results.Add([h.TrainStep()]);
        foreach (var parameter in h.Model.Parameters)
        {
            results.Add(parameter.Gradient.ToArray());
        }

        for (int layer = 0; layer < h.Model.LayerCount; layer++)
        {
            results.Add(h.Model.InitialHiddenGradient(layer).ToArray());
        }

        results.Add([(float)h.Evaluate()]);
        return results.ToArray();
    }

    /// <summary>Sets a model's ThreadSplit, on the models that split work by hidden units (the others have none).</summary>
    internal static void SetThreadSplit(IRnnModel model, ThreadSplit split) =>
        model.GetType().GetProperty("ThreadSplit")?.SetValue(model, split);

    /// <summary>A model by name: a split model (its name starts with "Split") as <see cref="CreateSplitModel"/> makes it, or a fixture model with its fixture's parameters and data.</summary>
    internal static ModelHarness CreateModel(string model) =>
        model.StartsWith("Split", StringComparison.Ordinal) ? CreateSplitModel(model, length: null) : FixtureModelsCatalog.Load(model).Model;

    /// <summary>A split model with seeded parameters, a random initial state and random inputs and targets.</summary>
    internal static ModelHarness CreateSplitModel(string model, int? length)
    {
        var random = new RandomSource(17);
        int[]? lengths = length is int l ? [l] : null;
        float[] Gaussian(int count)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = random.NextGaussian();
            }

            return values;
        }

        int[] Classes(int count, int classes)
        {
            var values = new int[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = random.NextInt(classes);
            }

            return values;
        }

        ModelHarness h = model switch
        {
            "SplitLstm" => ModelHarness.Features<SplitLstm, SplitLstm.State, float>(model, new SplitLstm(seed: 5),
                Gaussian(SplitLstm.SequenceLength * SplitLstm.InputSize), Gaussian(SplitLstm.SequenceLength * SplitLstm.OutputSize), lengths),
            "SplitGru" => ModelHarness.Tokens<SplitGru, SplitGru.State, int>(model, new SplitGru(seed: 5),
                Classes(SplitGru.SequenceLength, SplitGru.InputSize), Classes(SplitGru.SequenceLength, SplitGru.OutputSize), lengths),
            "SplitRnn" => ModelHarness.Features<SplitRnn, SplitRnn.State, float>(model, new SplitRnn(seed: 5),
                Gaussian(SplitRnn.SequenceLength * SplitRnn.InputSize), Gaussian(SplitRnn.SequenceLength * SplitRnn.OutputSize), lengths),
            "SplitPeephole" => ModelHarness.Features<SplitPeephole, SplitPeephole.State, float>(model, new SplitPeephole(seed: 5),
                Gaussian(SplitPeephole.SequenceLength * SplitPeephole.InputSize), Gaussian(SplitPeephole.SequenceLength * SplitPeephole.OutputSize), lengths),
            "SplitRationalGru" => ModelHarness.Tokens<SplitRationalGru, SplitRationalGru.State, int>(model, new SplitRationalGru(seed: 5),
                Classes(SplitRationalGru.SequenceLength, SplitRationalGru.InputSize), Classes(SplitRationalGru.SequenceLength, SplitRationalGru.OutputSize), lengths),
            _ => throw new ArgumentException("Unknown model " + model, nameof(model)),
        };

        // A non-zero initial state, so the copy of row 0 and the final-state copy are exercised.
        for (int layer = 0; layer < h.Model.LayerCount; layer++)
        {
            Gaussian(h.Model.HiddenSize(layer)).CopyTo(h.Model.InitialHidden(layer));
            if (h.Model.HasCellState(layer))
            {
                Gaussian(h.Model.HiddenSize(layer)).CopyTo(h.Model.InitialCell(layer));
            }
        }

        return h;
    }
}
