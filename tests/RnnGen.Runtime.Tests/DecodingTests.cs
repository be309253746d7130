using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace RnnGen.Runtime.Tests;

/// <summary>TokenSampler (temperature, top-k, top-p) and BeamSearch against exhaustive search.</summary>
public sealed class DecodingTests
{
    [Fact]
    public void Sampler_TemperatureZero_IsArgmax_AndConsumesNoRandomness()
    {
        var random = new RandomSource(1);
        var sampler = new TokenSampler(4, random) { Temperature = 0 };
        Assert.Equal(2, sampler.Next([0.1f, -3f, 2.5f, 2.4f]));
        Assert.Equal(new RandomSource(1).NextUInt64(), random.NextUInt64());
    }

    [Fact]
    public void Sampler_TopK_DrawsOnlyTheKMostLikely_InTheirRenormalisedProportions()
    {
        float[] logits = [1.0f, 3.0f, -1.0f, 2.0f, 2.5f, 0.0f];
        var sampler = new TokenSampler(logits.Length, new RandomSource(7)) { TopK = 3 };
        int[] kept = [1, 4, 3];
        double[] weights = kept.Select(i => Math.Exp(logits[i])).ToArray();
        AssertFrequencies(sampler, logits, kept, weights.Select(w => w / weights.Sum()).ToArray());

        sampler.TopK = 1;
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(1, sampler.Next(logits));
        }
    }

    [Fact]
    public void Sampler_TopP_KeepsTheSmallestNucleusReachingP()
    {
        // Probabilities 0.5, 0.3, 0.15, 0.05: the nucleus for p = 0.7 is {0, 1}; for p = 0.45 it is {0}.
        float[] logits = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f)];
        var sampler = new TokenSampler(4, new RandomSource(3)) { TopP = 0.7f };
        AssertFrequencies(sampler, logits, [0, 1], [0.5 / 0.8, 0.3 / 0.8]);
        sampler.TopP = 0.45f;
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(0, sampler.Next(logits));
        }
    }

    [Fact]
    public void Sampler_Temperature_SharpensTheDistribution()
    {
        float[] logits = [0f, 1f];
        var sampler = new TokenSampler(2, new RandomSource(5)) { Temperature = 0.5f };
        double p1 = Math.Exp(2) / (1 + Math.Exp(2));
        AssertFrequencies(sampler, logits, [0, 1], [1 - p1, p1]);
    }

    [Fact]
    public void Sampler_RanksTiesByIndex_AndValidates()
    {
        var sampler = new TokenSampler(3, new RandomSource(1)) { TopK = 1 };
        Assert.Equal(0, sampler.Next([2f, 2f, 2f]));
        Assert.Equal(1, sampler.Next([1f, 2f, 2f]));
        Assert.Throws<ArgumentException>(() => sampler.Next([1f, 2f]));
        Assert.Throws<ArgumentException>(() => sampler.Next([1f, float.NaN, 0f]));
        Assert.Throws<ArgumentException>(() => sampler.Next([float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity]));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.TopK = 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.TopP = 0f);
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.TopP = 1.5f);
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Temperature = -1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenSampler(0, new RandomSource(1)));

        // A token at negative infinity is never drawn, whatever the truncation.
        sampler.TopK = 0;
        for (int i = 0; i < 200; i++)
        {
            Assert.NotEqual(2, sampler.Next([0f, 0f, float.NegativeInfinity]));
        }
    }

    [Fact]
    public void Sampler_AllocatesNothing()
    {
        var sampler = new TokenSampler(65, new RandomSource(2)) { TopK = 10, TopP = 0.9f, Temperature = 0.8f };
        float[] logits = Enumerable.Range(0, 65).Select(i => MathF.Sin(i)).ToArray();
        sampler.Next(logits);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            sampler.Next(logits);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BeamSearch_WidthOne_IsGreedy()
    {
        var model = new BigramModel(5, seed: 4);
        using var search = new BeamSearch<BigramModel.State>(model, 5, width: 1, maxLength: 6);
        using var initial = model.NewState();
        var output = new int[6];
        int n = search.Search(initial, start: 0, end: 4, output, out _);

        var greedy = new List<int>();
        int token = 0;
        while (greedy.Count < 6)
        {
            token = Enumerable.Range(0, 5).MaxBy(j => model.Logit(token, j));
            greedy.Add(token);
            if (token == 4)
            {
                break;
            }
        }

        Assert.Equal(greedy, output.Take(n));
    }

    /// <summary>With a beam as wide as the whole search space, beam search is exhaustive search.</summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(0.6)]
    public void BeamSearch_WideEnough_FindsTheExhaustiveOptimum(double alpha)
    {
        const int v = 4, maxLength = 4, end = 3;
        for (int seed = 0; seed < 10; seed++)
        {
            var model = new BigramModel(v, seed);
            using var search = new BeamSearch<BigramModel.State>(model, v, width: 256, maxLength) { LengthPenalty = alpha };
            using var initial = model.NewState();
            var output = new int[maxLength];
            int n = search.Search(initial, start: 0, end, output, out double score);

            var (best, bestScore) = Exhaustive(model, v, maxLength, end, alpha);
            Assert.Equal(best, output.Take(n).ToArray());
            Assert.Equal(bestScore, score, 5);
        }
    }

    [Fact]
    public void BeamSearch_LeavesTheInitialStateAlone_AndAllocatesNothing()
    {
        var model = new BigramModel(6, seed: 9);
        using var search = new BeamSearch<BigramModel.State>(model, 6, width: 3, maxLength: 8);
        using var initial = model.NewState();
        initial.Hidden(0)[0] = 2; // start after token 2
        var output = new int[8];
        int n = search.Search(initial, start: 1, end: 5, output, out double score);
        Assert.Equal(2, initial.Hidden(0)[0]);
        Assert.Equal(0, initial.Hidden(0)[1]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int again = search.Search(initial, start: 1, end: 5, output, out double score2);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(n, again);
        Assert.Equal(score, score2);
        Assert.Throws<ArgumentException>(() => search.Search(initial, 1, 5, new int[7], out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => search.Search(initial, 1, 6, output, out _));
    }

    private static (int[] Tokens, double Score) Exhaustive(BigramModel model, int v, int maxLength, int end, double alpha)
    {
        int[]? best = null;
        double bestScore = double.NegativeInfinity;
        void Walk(List<int> prefix, int last, double logp)
        {
            for (int token = 0; token < v; token++)
            {
                double total = logp + model.LogProbability(last, token);
                prefix.Add(token);
                if (token == end || prefix.Count == maxLength)
                {
                    double score = total / Math.Pow(prefix.Count, alpha);
                    if (score > bestScore)
                    {
                        bestScore = score;
                        best = prefix.ToArray();
                    }
                }
                else
                {
                    Walk(prefix, token, total);
                }

                prefix.RemoveAt(prefix.Count - 1);
            }
        }

        Walk([], 0, 0);
        return (best!, bestScore);
    }

    private static void AssertFrequencies(TokenSampler sampler, float[] logits, int[] tokens, double[] probabilities)
    {
        const int draws = 40000;
        var counts = new int[logits.Length];
        for (int i = 0; i < draws; i++)
        {
            counts[sampler.Next(logits)]++;
        }

        Assert.Equal(draws, tokens.Sum(t => counts[t]));
        for (int i = 0; i < tokens.Length; i++)
        {
            double p = probabilities[i], sigma = Math.Sqrt(p * (1 - p) / draws);
            double observed = counts[tokens[i]] / (double)draws;
            Assert.True(Math.Abs(observed - p) <= 5 * sigma, $"token {tokens[i]}: frequency {observed:F4}, expected {p:F4}");
        }
    }

    /// <summary>A model written by hand gets the interface's Process: one Step per token, the outputs of each in turn.</summary>
    [Fact]
    public void DefaultProcess_StepsOncePerToken()
    {
        ITokenStreamingModel<BigramModel.State> model = new BigramModel(v: 5, seed: 2);
        using var stepped = model.NewState();
        using var processed = model.NewState();
        int[] tokens = [3, 1, 4, 1];
        var expected = new float[4 * 5];
        for (int i = 0; i < tokens.Length; i++)
        {
            model.Step(stepped, tokens[i], expected.AsSpan(i * 5, 5));
        }

        var outputs = new float[4 * 5];
        model.Process(processed, tokens, outputs);
        Assert.Equal(expected, outputs);
        Assert.Equal(stepped.Hidden(0).ToArray(), processed.Hidden(0).ToArray());
        Assert.Throws<ArgumentException>(() => model.Process(processed, tokens, new float[(4 * 5) - 1]));
        model.Process(processed, ReadOnlySpan<int>.Empty, Span<float>.Empty);
    }

    /// <summary>A token model whose logits depend only on the previous token: a fixed random table.</summary>
    private sealed class BigramModel : ITokenStreamingModel<BigramModel.State>
    {
        private readonly float[] _table;
        private readonly int _v;

        public BigramModel(int v, int seed)
        {
            _v = v;
            var random = new Random(seed);
            _table = Enumerable.Range(0, v * v).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        }

        public float Logit(int previous, int token) => _table[(previous * _v) + token];

        public double LogProbability(int previous, int token)
        {
            double max = Enumerable.Range(0, _v).Max(j => (double)Logit(previous, j));
            double log = max + Math.Log(Enumerable.Range(0, _v).Sum(j => Math.Exp(Logit(previous, j) - max)));
            return Logit(previous, token) - log;
        }

        public State NewState() => new();

        public void Step(State state, int token, Span<float> output)
        {
            state.Hidden(0)[0] = token;
            state.Hidden(0)[1]++;
            _table.AsSpan(token * _v, _v).CopyTo(output);
        }

        public sealed class State : IRecurrentState
        {
            private readonly float[] _values = new float[2];

            public int LayerCount => 1;

            public void Reset() => Array.Clear(_values);

            public Span<float> Hidden(int layer) => _values;

            public Span<float> Cell(int layer) => throw new InvalidOperationException("no cell state");

            public void CopyTo(IRecurrentState destination) => _values.CopyTo(((State)destination)._values);

            public void Dispose()
            {
            }
        }
    }
}
