using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// Stream batches: many streams stepped together give, stream by stream, the bits of stepping each
/// one alone, on one thread and split between threads; and the batch's own API.
/// </summary>
public sealed class StreamBatchTests
{
    /// <summary>Every fixture model that has stream batches (all but the attention decoders).</summary>
    public static IEnumerable<object[]> Models() =>
        FixtureModelsCatalog.Names.Where(n => !n.Contains('.') && !n.Contains("Attn")).Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryStreamMatchesSteppingItAlone(string name)
    {
        // A few streams on the calling thread (every height of the last row tile); then enough for Step
        // to split them between 2 threads (the fewest it splits, and a count 3 more).
        Run(name, threads: 1, parallel: false, WeightFormat.Float32);
        Run(name, threads: 2, parallel: true, WeightFormat.Float32);
    }

    /// <summary>The same with bfloat16 inference weights: the batch reads the copy a single Step reads.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void EveryStreamMatchesSteppingItAlone_WithBFloat16Weights(string name)
    {
        Run(name, threads: 1, parallel: false, WeightFormat.BFloat16);
        Run(name, threads: 2, parallel: true, WeightFormat.BFloat16);
    }

    /// <summary>The same with int8 inference weights (and their scales).</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void EveryStreamMatchesSteppingItAlone_WithInt8Weights(string name)
    {
        Run(name, threads: 1, parallel: false, WeightFormat.Int8);
        Run(name, threads: 2, parallel: true, WeightFormat.Int8);
    }

    [Fact]
    public void InitialiseStream_MatchesInitialiseState()
    {
        using var model = new CondLstm(seed: 5);
        using var streams = model.NewStreams(3);
        using var state = model.NewState();
        var random = new Random(2);
        var condition = Enumerable.Range(0, CondLstm.ConditionSize).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        FillRandom(streams, random);
        model.InitialiseStream(streams, 1, condition);
        model.InitialiseState(state, condition);
        for (int layer = 0; layer < state.LayerCount; layer++)
        {
            AssertBits(state.Hidden(layer), streams.Hidden(1, layer));
        }

        AssertBits(state.Cell(0), streams.Cell(1, 0));

        // Then stepping it: still the single stream's bits.
        var tokens = new[] { 1, 2, 0 };
        var outputs = new float[3 * CondLstm.OutputSize];
        var output = new float[CondLstm.OutputSize];
        model.Step(streams, tokens, outputs);
        model.Step(state, tokens[1], output);
        AssertBits(output, outputs.AsSpan(CondLstm.OutputSize, CondLstm.OutputSize));
    }

    [Fact]
    public void InvalidArguments_ThrowAndChangeNothing()
    {
        using var model = new Lstm1(seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.NewStreams(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.NewStreams(-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.NewStreams(Lstm1.StreamBatch.MaxCount + 1));
        using var streams = model.NewStreams(4);
        FillRandom(streams, new Random(4));
        float[] before = Snapshot(streams);
        var outputs = new float[4 * Lstm1.OutputSize];

        Assert.Throws<ArgumentException>(() => model.Step(streams, new[] { 1, 2, 3 }, outputs));
        Assert.Throws<ArgumentException>(() => model.Step(streams, new[] { 1, 2, 3, 4 }, new float[outputs.Length - 1]));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(streams, new[] { 1, 2, Lstm1.InputSize, 0 }, outputs));
        Assert.Contains("stream 2", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(streams, new[] { 1, -1, 2, 0 }, outputs));
        Assert.Equal(before, Snapshot(streams));
        Assert.Throws<ArgumentNullException>(() => model.Step(null!, new[] { 1, 2, 3, 4 }, outputs));

        Assert.Throws<ArgumentOutOfRangeException>(() => streams.Hidden(4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => streams.Hidden(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => streams.Hidden(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => streams.Reset(4));

        using var features = new Gru1Mse(seed: 1);
        using var featureStreams = features.NewStreams(2);
        Assert.Throws<ArgumentException>(() => features.Step(featureStreams, new float[(2 * Gru1Mse.InputSize) + 1], new float[2 * Gru1Mse.OutputSize]));
        Assert.Throws<InvalidOperationException>(() => featureStreams.Cell(0, 0));

        streams.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Step(streams, new[] { 1, 2, 3, 4 }, outputs));
        Assert.Throws<ObjectDisposedException>(() => streams.Hidden(0, 0));
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.NewStreams(1));
    }

    [Fact]
    public void ResetAndCopy_TouchOnlyTheirStream()
    {
        using var model = new GruMean(seed: 2);
        using var streams = model.NewStreams(3);
        using var state = model.NewState();
        var random = new Random(9);
        var inputs = new float[3 * GruMean.InputSize];
        var outputs = new float[3 * GruMean.OutputSize];
        for (int i = 0; i < 2; i++)
        {
            Array.ForEach(Enumerable.Range(0, inputs.Length).ToArray(), k => inputs[k] = (float)random.NextDouble());
            model.Step(streams, inputs, outputs);
        }

        // CopyTo carries everything a stream's next step depends on, the mean readout included.
        streams.CopyTo(2, state);
        var alone = new float[GruMean.OutputSize];
        model.Step(state, inputs.AsSpan(2 * GruMean.InputSize, GruMean.InputSize), alone);
        model.Step(streams, inputs, outputs);
        AssertBits(alone, outputs.AsSpan(2 * GruMean.OutputSize, GruMean.OutputSize));

        // CopyFrom puts it back, into another stream.
        streams.CopyFrom(0, state);
        for (int layer = 0; layer < state.LayerCount; layer++)
        {
            AssertBits(state.Hidden(layer), streams.Hidden(0, layer));
        }

        float[] kept = streams.Hidden(2, 0).ToArray();
        streams.Reset(1);
        Assert.All(streams.Hidden(1, 0).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(streams.Hidden(1, 1).ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(kept, streams.Hidden(2, 0).ToArray());

        // A reset stream's next step is a fresh state's first step (the readout restarts too).
        using var fresh = model.NewState();
        model.Step(streams, inputs, outputs);
        model.Step(fresh, inputs.AsSpan(GruMean.InputSize, GruMean.InputSize), alone);
        AssertBits(alone, outputs.AsSpan(GruMean.OutputSize, GruMean.OutputSize));

        streams.Reset();
        Assert.Equal(new float[Snapshot(streams).Length], Snapshot(streams));
    }

    [Fact]
    public void Step_AllocatesNothing_OnOneThreadAndOnTwo()
    {
        using var model = new CharLstm(seed: 3);
        foreach (int threads in new[] { 1, 2 })
        {
            model.Threads = threads;
            int count = CharLstm.ParallelStreamsMinimum + 1;
            using var streams = model.NewStreams(count);
            var tokens = Enumerable.Range(0, count).Select(i => i % CharLstm.InputSize).ToArray();
            var outputs = new float[count * CharLstm.OutputSize];
            Assert.Equal(0, Allocations.AfterWarmUp(() => model.Step(streams, tokens, outputs)));
        }
    }

    private static void Run(string name, int threads, bool parallel, WeightFormat format)
    {
        string model = name;
        switch (model)
        {
            case "RnnTanh": Features<RnnTanh, RnnTanh.State, RnnTanh.StreamBatch>(new RnnTanh(seed: 1), RnnTanh.ParallelStreamsMinimum, threads, parallel, format); break;
            case "RnnRelu2": Tokens<RnnRelu2, RnnRelu2.State, RnnRelu2.StreamBatch>(new RnnRelu2(seed: 1), RnnRelu2.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Lstm1": Tokens<Lstm1, Lstm1.State, Lstm1.StreamBatch>(new Lstm1(seed: 1), Lstm1.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Lstm3Mse": Features<Lstm3Mse, Lstm3Mse.State, Lstm3Mse.StreamBatch>(new Lstm3Mse(seed: 1), Lstm3Mse.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Gru2": Tokens<Gru2, Gru2.State, Gru2.StreamBatch>(new Gru2(seed: 1), Gru2.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Gru1Mse": Features<Gru1Mse, Gru1Mse.State, Gru1Mse.StreamBatch>(new Gru1Mse(seed: 1), Gru1Mse.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Mixed": Tokens<Mixed, Mixed.State, Mixed.StreamBatch>(new Mixed(seed: 1), Mixed.ParallelStreamsMinimum, threads, parallel, format); break;
            case "CharLstm": Tokens<CharLstm, CharLstm.State, CharLstm.StreamBatch>(new CharLstm(seed: 1), CharLstm.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Lstm40": Features<Lstm40, Lstm40.State, Lstm40.StreamBatch>(new Lstm40(seed: 1), Lstm40.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Tiny": Tokens<Tiny, Tiny.State, Tiny.StreamBatch>(new Tiny(seed: 1), Tiny.ParallelStreamsMinimum, threads, parallel, format); break;
            case "RnnWide": Features<RnnWide, RnnWide.State, RnnWide.StreamBatch>(new RnnWide(seed: 1), RnnWide.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Gru3": Tokens<Gru3, Gru3.State, Gru3.StreamBatch>(new Gru3(seed: 1), Gru3.ParallelStreamsMinimum, threads, parallel, format); break;
            case "LstmRelu": Features<LstmRelu, LstmRelu.State, LstmRelu.StreamBatch>(new LstmRelu(seed: 1), LstmRelu.ParallelStreamsMinimum, threads, parallel, format); break;
            case "LstmLast": Tokens<LstmLast, LstmLast.State, LstmLast.StreamBatch>(new LstmLast(seed: 1), LstmLast.ParallelStreamsMinimum, threads, parallel, format); break;
            case "GruMean": Features<GruMean, GruMean.State, GruMean.StreamBatch>(new GruMean(seed: 1), GruMean.ParallelStreamsMinimum, threads, parallel, format); break;
            case "CondLstm": Tokens<CondLstm, CondLstm.State, CondLstm.StreamBatch>(new CondLstm(seed: 1), CondLstm.ParallelStreamsMinimum, threads, parallel, format); break;
            case "DropoutStack": Tokens<DropoutStack, DropoutStack.State, DropoutStack.StreamBatch>(new DropoutStack(seed: 1), DropoutStack.ParallelStreamsMinimum, threads, parallel, format); break;
            case "DropoutLast": Features<DropoutLast, DropoutLast.State, DropoutLast.StreamBatch>(new DropoutLast(seed: 1), DropoutLast.ParallelStreamsMinimum, threads, parallel, format); break;
            case "DropoutMean": Features<DropoutMean, DropoutMean.State, DropoutMean.StreamBatch>(new DropoutMean(seed: 1), DropoutMean.ParallelStreamsMinimum, threads, parallel, format); break;
            case "LstmPeephole": Features<LstmPeephole, LstmPeephole.State, LstmPeephole.StreamBatch>(new LstmPeephole(seed: 1), LstmPeephole.ParallelStreamsMinimum, threads, parallel, format); break;
            case "LstmCoupled": Tokens<LstmCoupled, LstmCoupled.State, LstmCoupled.StreamBatch>(new LstmCoupled(seed: 1), LstmCoupled.ParallelStreamsMinimum, threads, parallel, format); break;
            case "GruResetBefore": Tokens<GruResetBefore, GruResetBefore.State, GruResetBefore.StreamBatch>(new GruResetBefore(seed: 1), GruResetBefore.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Mut": Tokens<Mut, Mut.State, Mut.StreamBatch>(new Mut(seed: 1), Mut.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Mut1Features": Features<Mut1Features, Mut1Features.State, Mut1Features.StreamBatch>(new Mut1Features(seed: 1), Mut1Features.ParallelStreamsMinimum, threads, parallel, format); break;
            case "CondProj": Tokens<CondProj, CondProj.State, CondProj.StreamBatch>(new CondProj(seed: 1), CondProj.ParallelStreamsMinimum, threads, parallel, format); break;
            case "LstmProj": Tokens<LstmProj, LstmProj.State, LstmProj.StreamBatch>(new LstmProj(seed: 1), LstmProj.ParallelStreamsMinimum, threads, parallel, format); break;
            case "LstmPeepholeProj": Features<LstmPeepholeProj, LstmPeepholeProj.State, LstmPeepholeProj.StreamBatch>(new LstmPeepholeProj(seed: 1), LstmPeepholeProj.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Mgu": Tokens<Mgu, Mgu.State, Mgu.StreamBatch>(new Mgu(seed: 1), Mgu.ParallelStreamsMinimum, threads, parallel, format); break;
            case "Kitchen": Features<Kitchen, Kitchen.State, Kitchen.StreamBatch>(new Kitchen(seed: 1), Kitchen.ParallelStreamsMinimum, threads, parallel, format); break;
            case "RationalLstm1": Tokens<RationalLstm1, RationalLstm1.State, RationalLstm1.StreamBatch>(new RationalLstm1(seed: 1), RationalLstm1.ParallelStreamsMinimum, threads, parallel, format); break;
            case "RationalGru2": Tokens<RationalGru2, RationalGru2.State, RationalGru2.StreamBatch>(new RationalGru2(seed: 1), RationalGru2.ParallelStreamsMinimum, threads, parallel, format); break;
            case "RationalCondLstm": Tokens<RationalCondLstm, RationalCondLstm.State, RationalCondLstm.StreamBatch>(new RationalCondLstm(seed: 1), RationalCondLstm.ParallelStreamsMinimum, threads, parallel, format); break;
            case "RationalLstm40": Features<RationalLstm40, RationalLstm40.State, RationalLstm40.StreamBatch>(new RationalLstm40(seed: 1), RationalLstm40.ParallelStreamsMinimum, threads, parallel, format); break;
            default: throw new ArgumentException("No stream batch check for " + name, nameof(name));
        }
    }

    private static void Tokens<TModel, TState, TStreams>(TModel model, int minimum, int threads, bool parallel, WeightFormat format)
        where TModel : IRnnModel, ITokenStreamingModel<TState>, ITokenStreamBatchModel<TStreams>
        where TState : IRecurrentState
        where TStreams : IStreamBatch
    {
        using (model)
        {
            model.Threads = threads;
            model.InferenceWeights = format;
            int vocabulary = model.InputSize;
            Check<TState, TStreams, int>(
                model, minimum, parallel, model.NewState, model.NewStreams,
                (random, count) => Enumerable.Range(0, count).Select(_ => random.Next(vocabulary)).ToArray(),
                (streams, inputs, outputs) => model.Step(streams, inputs, outputs),
                (state, inputs, r, output) => model.Step(state, inputs[r], output));
        }
    }

    private static void Features<TModel, TState, TStreams>(TModel model, int minimum, int threads, bool parallel, WeightFormat format)
        where TModel : IRnnModel, IFeatureStreamingModel<TState>, IFeatureStreamBatchModel<TStreams>
        where TState : IRecurrentState
        where TStreams : IStreamBatch
    {
        using (model)
        {
            model.Threads = threads;
            model.InferenceWeights = format;
            int f = model.InputSize;
            Check<TState, TStreams, float>(
                model, minimum, parallel, model.NewState, model.NewStreams,
                (random, count) => Enumerable.Range(0, count * f).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray(),
                (streams, inputs, outputs) => model.Step(streams, inputs, outputs),
                (state, inputs, r, output) => model.Step(state, inputs.AsSpan(r * f, f), output));
        }
    }

    /// <summary>
    /// Random starting states, the same in the batch and in one State per stream; then a few steps of
    /// random inputs, comparing every stream's outputs and states with its State's, bit for bit. On
    /// the calling thread, batches of 2 to 7 and of 10 streams: every height of the products' last
    /// tiles (the rows after the whole blocks of 4, or of 6 at Vector256, run as tiles of 1, 2 or 3 rows). Split between
    /// threads, <paramref name="minimum"/> and <paramref name="minimum"/> + 3 streams.
    /// </summary>
    private static void Check<TState, TStreams, TInput>(
        IRnnModel model,
        int minimum,
        bool parallel,
        Func<TState> newState,
        Func<int, TStreams> newStreams,
        Func<Random, int, TInput[]> inputsFor,
        Action<TStreams, TInput[], float[]> stepBatch,
        Action<TState, TInput[], int, float[]> stepOne)
        where TState : IRecurrentState
        where TStreams : IStreamBatch
    {
        foreach (int count in parallel ? [minimum, minimum + 3] : new[] { 2, 3, 4, 5, 6, 7, 10 })
        {
            int o = model.OutputSize;
            var random = new Random(count);
            using TStreams streams = newStreams(count);
            var states = Enumerable.Range(0, count).Select(_ => newState()).ToArray();
            try
            {
                FillRandom(streams, random);
                for (int r = 0; r < count; r++)
                {
                    for (int layer = 0; layer < streams.LayerCount; layer++)
                    {
                        streams.Hidden(r, layer).CopyTo(states[r].Hidden(layer));
                        if (HasCell(streams, layer))
                        {
                            streams.Cell(r, layer).CopyTo(states[r].Cell(layer));
                        }
                    }
                }

                var outputs = new float[count * o];
                var output = new float[o];
                for (int step = 0; step < 3; step++)
                {
                    TInput[] inputs = inputsFor(random, count);
                    stepBatch(streams, inputs, outputs);
                    for (int r = 0; r < count; r++)
                    {
                        stepOne(states[r], inputs, r, output);
                        AssertBits(output, outputs.AsSpan(r * o, o));
                        for (int layer = 0; layer < streams.LayerCount; layer++)
                        {
                            AssertBits(states[r].Hidden(layer), streams.Hidden(r, layer));
                            if (HasCell(streams, layer))
                            {
                                AssertBits(states[r].Cell(layer), streams.Cell(r, layer));
                            }
                        }
                    }
                }
            }
            finally
            {
                foreach (var state in states)
                {
                    state.Dispose();
                }
            }
        }
    }

    private static bool HasCell(IStreamBatch streams, int layer)
    {
        try
        {
            streams.Cell(0, layer);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void FillRandom(IStreamBatch streams, Random random)
    {
        for (int r = 0; r < streams.Count; r++)
        {
            for (int layer = 0; layer < streams.LayerCount; layer++)
            {
                var h = streams.Hidden(r, layer);
                for (int j = 0; j < h.Length; j++)
                {
                    h[j] = (float)((random.NextDouble() * 2) - 1);
                }

                if (HasCell(streams, layer))
                {
                    var c = streams.Cell(r, layer);
                    for (int j = 0; j < c.Length; j++)
                    {
                        c[j] = (float)((random.NextDouble() * 4) - 2);
                    }
                }
            }
        }
    }

    private static float[] Snapshot(IStreamBatch streams)
    {
        var values = new List<float>();
        for (int r = 0; r < streams.Count; r++)
        {
            for (int layer = 0; layer < streams.LayerCount; layer++)
            {
                values.AddRange(streams.Hidden(r, layer).ToArray());
                if (HasCell(streams, layer))
                {
                    values.AddRange(streams.Cell(r, layer).ToArray());
                }
            }
        }

        return [.. values];
    }

    private static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"Element {i}: expected {expected[i]:R}, got {actual[i]:R}.");
            }
        }
    }
}
