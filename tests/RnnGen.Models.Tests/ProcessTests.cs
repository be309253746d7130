using System;
using System.Linq;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// <c>Process</c>: a block of steps in one call (an audio callback's block of samples, a prompt's
/// tokens) gives, bit for bit, what one <c>Step</c> per step gives, for one stream and for stream batches.
/// </summary>
public sealed class ProcessTests
{
    /// <summary>Every fixture model, every batch entry, in blocks of 1, 3 and all its steps: the outputs of Step, bit for bit, in float32 and with int8 weights.</summary>
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void ProcessInBlocks_IsOneStepPerStep(string model)
    {
        foreach (var format in new[] { WeightFormat.Float32, WeightFormat.Int8 })
        {
            var (h, _) = FixtureModelsCatalog.Load(model);
            using (h)
            {
                h.Model.InferenceWeights = format;
                int t = h.Model.SequenceLength, o = h.Model.OutputSize;
                for (int b = 0; b < h.Model.BatchSize; b++)
                {
                    var stepped = new float[t * o];
                    int steps = h.Stream(b, stepped);
                    foreach (int block in new[] { 1, 3, t })
                    {
                        var processed = new float[t * o];
                        Assert.Equal(steps, h.ProcessStream(b, block, processed));
                        Assert.Equal(stepped, processed);
                    }
                }
            }
        }
    }

    /// <summary>The final state too: a block of 16 samples leaves the state 16 Steps leave, on 1 and 2 threads.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Process_LeavesTheStateOfTheSteps(int threads)
    {
        using var model = new Lstm40(seed: 3) { Threads = threads };
        using var stepped = model.NewState();
        using var processed = model.NewState();
        float[] samples = Samples(16);
        var output = new float[1];
        var stepOutputs = new float[16];
        for (int i = 0; i < samples.Length; i++)
        {
            model.Step(stepped, samples.AsSpan(i, 1), output);
            stepOutputs[i] = output[0];
        }

        var outputs = new float[16];
        model.Process(processed, samples, outputs);
        Assert.Equal(stepOutputs, outputs);
        Assert.Equal(stepped.Hidden(0).ToArray(), processed.Hidden(0).ToArray());
        Assert.Equal(stepped.Cell(0).ToArray(), processed.Cell(0).ToArray());
    }

    /// <summary>A stream batch's Process over [steps, Count, InputSize] is the batched Step once per step (features and tokens).</summary>
    [Fact]
    public void StreamBatchProcess_IsTheBatchedStepOncePerStep()
    {
        using (var model = new Lstm40(seed: 5))
        {
            const int count = 5, steps = 7;
            using var a = model.NewStreams(count);
            using var b = model.NewStreams(count);
            float[] inputs = Samples(steps * count);
            var expected = new float[steps * count];
            for (int t = 0; t < steps; t++)
            {
                model.Step(a, inputs.AsSpan(t * count, count), expected.AsSpan(t * count, count));
            }

            var outputs = new float[steps * count];
            model.Process(b, inputs, outputs);
            Assert.Equal(expected, outputs);
            for (int s = 0; s < count; s++)
            {
                Assert.Equal(a.Hidden(s, 0).ToArray(), b.Hidden(s, 0).ToArray());
                Assert.Equal(a.Cell(s, 0).ToArray(), b.Cell(s, 0).ToArray());
            }
        }

        using (var model = new CharLstm(seed: 5) { Threads = 2 })
        {
            const int count = 6, steps = 4;
            using var a = model.NewStreams(count);
            using var b = model.NewStreams(count);
            int[] tokens = Enumerable.Range(0, steps * count).Select(i => (i * 7) % CharLstm.InputSize).ToArray();
            var expected = new float[steps * count * CharLstm.OutputSize];
            int perStep = count * CharLstm.OutputSize;
            for (int t = 0; t < steps; t++)
            {
                model.Step(a, tokens.AsSpan(t * count, count), expected.AsSpan(t * perStep, perStep));
            }

            var outputs = new float[expected.Length];
            model.Process(b, tokens, outputs);
            Assert.Equal(expected, outputs);
            Assert.Equal(a.Hidden(count - 1, 1).ToArray(), b.Hidden(count - 1, 1).ToArray());
        }
    }

    /// <summary>A token model's Process over a prompt: each token's outputs, as Step gives them.</summary>
    [Fact]
    public void TokenProcess_IsOneStepPerToken()
    {
        using var model = new CharLstm(seed: 8);
        using var stepped = model.NewState();
        using var processed = model.NewState();
        int[] prompt = [1, 5, 9, 2, 64, 0, 33];
        var expected = new float[prompt.Length * CharLstm.OutputSize];
        for (int i = 0; i < prompt.Length; i++)
        {
            model.Step(stepped, prompt[i], expected.AsSpan(i * CharLstm.OutputSize, CharLstm.OutputSize));
        }

        var outputs = new float[expected.Length];
        model.Process(processed, prompt, outputs);
        Assert.Equal(expected, outputs);
        Assert.Equal(stepped.Hidden(1).ToArray(), processed.Hidden(1).ToArray());
    }

    [Fact]
    public void Process_AllocatesNothing()
    {
        using var model = new Lstm40(seed: 2);
        using var state = model.NewState();
        using var streams = model.NewStreams(3);
        float[] block = Samples(64);
        var outputs = new float[64];
        float[] batchBlock = Samples(8 * 3);
        var batchOutputs = new float[8 * 3];
        Assert.Equal(0, Allocations.AfterWarmUp(() =>
        {
            model.Process(state, block, outputs);
            model.Process(streams, batchBlock, batchOutputs);
        }));
    }

    /// <summary>Invalid blocks throw before any step: a length that is not whole steps, the wrong output length, a non-finite sample or a bad token late in the block; the state is unchanged. An empty block does nothing.</summary>
    [Fact]
    public void InvalidBlocks_ChangeNothing_AndAnEmptyBlockDoesNothing()
    {
        using (var model = new Gru1Mse(seed: 1))
        {
            using var state = model.NewState();
            int f = Gru1Mse.InputSize, o = Gru1Mse.OutputSize;
            model.Process(state, Samples(2 * f), new float[2 * o]);
            var before = state.Hidden(0).ToArray();

            var error = Assert.Throws<ArgumentException>(() => model.Process(state, Samples((2 * f) + 1), new float[2 * o]));
            Assert.Equal("inputs", error.ParamName);
            Assert.Throws<ArgumentException>(() => model.Process(state, Samples(2 * f), new float[(2 * o) - 1]));
            float[] late = Samples(3 * f);
            late[(2 * f) + 1] = float.NaN;
            error = Assert.Throws<ArgumentException>(() => model.Process(state, late, new float[3 * o]));
            Assert.Contains("step 2", error.Message);
            Assert.Equal(before, state.Hidden(0).ToArray());

            model.Process(state, ReadOnlySpan<float>.Empty, Span<float>.Empty);
            Assert.Equal(before, state.Hidden(0).ToArray());
        }

        using (var model = new CharLstm(seed: 1))
        {
            using var state = model.NewState();
            model.Process(state, [4, 5], new float[2 * CharLstm.OutputSize]);
            var before = state.Hidden(1).ToArray();
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Process(state, [4, 5, 6, CharLstm.InputSize], new float[4 * CharLstm.OutputSize]));
            Assert.Contains("step 3", error.Message);
            Assert.Equal(before, state.Hidden(1).ToArray());

            using var streams = model.NewStreams(2);
            Assert.Throws<ArgumentException>(() => model.Process(streams, [1, 2, 3], new float[3 * CharLstm.OutputSize]));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Process(streams, [1, 2, 3, -1], new float[4 * CharLstm.OutputSize]));
            Assert.All(Enumerable.Range(0, 2), s => Assert.All(streams.Hidden(s, 1).ToArray(), v => Assert.Equal(0f, v)));
        }
    }

    private static float[] Samples(int count)
    {
        var random = new RandomSource(11);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextGaussian() * 0.5f;
        }

        return values;
    }
}
