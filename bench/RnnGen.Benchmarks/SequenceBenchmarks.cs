using System;
using BenchmarkDotNet.Attributes;
using RnnGen.Optimizers;

namespace RnnGen.Benchmarks;

/// <summary>Whole-sequence forward passes (T = 64) and one full training step of the char model.</summary>
[MemoryDiagnoser]
public class SequenceBenchmarks : IDisposable
{
    private readonly Lstm64x128 _batch1 = new(seed: 1);
    private readonly Lstm64x128 _batch1TwoThreads = new(seed: 1) { Threads = 2 };
    private readonly Lstm64x128Batch32 _batch32 = new(seed: 1);
    private readonly CharLstm _char = new(seed: 1);
    private readonly Adam _adam;
    private readonly float[] _inputs1 = new float[64 * 64];
    private readonly float[] _outputs1 = new float[64 * 64];
    private readonly float[] _inputs32 = new float[32 * 64 * 64];
    private readonly float[] _outputs32 = new float[32 * 64 * 64];
    private readonly int[] _tokens = new int[32 * 64];
    private readonly int[] _targets = new int[32 * 64];

    public SequenceBenchmarks()
    {
        var random = new RandomSource(7);
        for (int i = 0; i < _inputs32.Length; i++)
        {
            _inputs32[i] = random.NextGaussian();
        }

        Array.Copy(_inputs32, _inputs1, _inputs1.Length);
        for (int i = 0; i < _tokens.Length; i++)
        {
            _tokens[i] = random.NextInt(65);
            _targets[i] = random.NextInt(65);
        }

        _adam = new Adam(_char.Parameters, 2e-3f);
    }

    [Benchmark(Description = "Forward LSTM 64→128, T=64, batch 1")]
    public void ForwardBatch1() => _batch1.Forward(_inputs1, _outputs1);

    /// <summary>One batch entry on 2 threads: the recurrence is split by hidden units.</summary>
    [Benchmark(Description = "Forward LSTM 64→128, T=64, batch 1, 2 threads")]
    public void ForwardBatch1TwoThreads() => _batch1TwoThreads.Forward(_inputs1, _outputs1);

    [Benchmark(Description = "Forward LSTM 64→128, T=64, batch 32")]
    public void ForwardBatch32() => _batch32.Forward(_inputs32, _outputs32);

    /// <summary>TrainStep + clipping + Adam on 32 × 64 = 2,048 tokens.</summary>
    [Benchmark(Description = "Train char model, 2,048 tokens")]
    public void TrainCharModel()
    {
        _char.TrainStep(_tokens, _targets);
        GradientClipping.ClipByGlobalNorm(_char.Parameters, 5f);
        _adam.Step();
    }

    public void Dispose()
    {
        _adam.Dispose();
        _batch1.Dispose();
        _batch1TwoThreads.Dispose();
        _batch32.Dispose();
        _char.Dispose();
        GC.SuppressFinalize(this);
    }
}
