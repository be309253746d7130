using System;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// Streaming inference: one <c>Step</c> of one stream at batch 1, as a game calls it every frame, and
/// one <c>Step</c> of 64 streams sharing the weights (many agents); and the same steps reading bfloat16
/// and int8 copies of the weights (<c>InferenceWeights = WeightFormat.BFloat16</c> or <c>Int8</c>).
/// </summary>
[MemoryDiagnoser]
public class StepBenchmarks : IDisposable
{
    private readonly Lstm64x128 _lstm = new(seed: 1);
    private readonly Gru64x128 _gru = new(seed: 1);
    private readonly PeepholeLstm64x128 _peephole = new(seed: 1);
    private readonly Lstm1x40 _small = new(seed: 1);
    private readonly Lstm64x128 _lstm2 = new(seed: 1) { Threads = 2 };
    private readonly Gru64x128 _gru2 = new(seed: 1) { Threads = 2 };
    private readonly Lstm64x128 _lstm16 = new(seed: 1) { InferenceWeights = WeightFormat.BFloat16 };
    private readonly Gru64x128 _gru16 = new(seed: 1) { InferenceWeights = WeightFormat.BFloat16 };
    private readonly Lstm64x128 _lstm8 = new(seed: 1) { InferenceWeights = WeightFormat.Int8 };
    private readonly Gru64x128 _gru8 = new(seed: 1) { InferenceWeights = WeightFormat.Int8 };
    private readonly Lstm64x128.State _lstmState;
    private readonly Gru64x128.State _gruState;
    private readonly PeepholeLstm64x128.State _peepholeState;
    private readonly Lstm1x40.State _smallState;
    private readonly Lstm64x128.State _lstm2State;
    private readonly Gru64x128.State _gru2State;
    private readonly Lstm64x128.StreamBatch _streams;
    private readonly Lstm64x128.State _lstm16State;
    private readonly Gru64x128.State _gru16State;
    private readonly Lstm64x128.StreamBatch _streams16;
    private readonly Lstm64x128.State _lstm8State;
    private readonly Gru64x128.State _gru8State;
    private readonly Lstm64x128.StreamBatch _streams8;
    private readonly float[] _inputs64x64 = new float[64 * 64];
    private readonly float[] _outputs64x64 = new float[64 * 64];
    private readonly float[] _input64 = new float[64];
    private readonly float[] _input1 = [0.25f];
    private readonly float[] _output64 = new float[64];
    private readonly float[] _output1 = new float[1];
    private readonly float[] _block64 = new float[64];
    private readonly float[] _blockOutput64 = new float[64];

    public StepBenchmarks()
    {
        var random = new RandomSource(7);
        for (int i = 0; i < _input64.Length; i++)
        {
            _input64[i] = random.NextGaussian();
        }

        for (int i = 0; i < _block64.Length; i++)
        {
            _block64[i] = random.NextGaussian() * 0.5f;
        }

        for (int i = 0; i < _inputs64x64.Length; i++)
        {
            _inputs64x64[i] = random.NextGaussian();
        }

        _lstmState = _lstm.NewState();
        _gruState = _gru.NewState();
        _peepholeState = _peephole.NewState();
        _smallState = _small.NewState();
        _lstm2State = _lstm2.NewState();
        _gru2State = _gru2.NewState();
        _streams = _lstm.NewStreams(64);
        _lstm16State = _lstm16.NewState();
        _gru16State = _gru16.NewState();
        _streams16 = _lstm16.NewStreams(64);
        _lstm8State = _lstm8.NewState();
        _gru8State = _gru8.NewState();
        _streams8 = _lstm8.NewStreams(64);
    }

    [Benchmark(Description = "Step LSTM 64→128 + Dense 64")]
    public void LstmStep() => _lstm.Step(_lstmState, _input64, _output64);

    [Benchmark(Description = "Step peephole LSTM 64→128 + Dense 64")]
    public void PeepholeLstmStep() => _peephole.Step(_peepholeState, _input64, _output64);

    [Benchmark(Description = "Step GRU 64→128 + Dense 64")]
    public void GruStep() => _gru.Step(_gruState, _input64, _output64);

    [Benchmark(Description = "Step LSTM 64→128 + Dense 64, 2 threads")]
    public void LstmStepTwoThreads() => _lstm2.Step(_lstm2State, _input64, _output64);

    [Benchmark(Description = "Step GRU 64→128 + Dense 64, 2 threads")]
    public void GruStepTwoThreads() => _gru2.Step(_gru2State, _input64, _output64);

    [Benchmark(Description = "Step LSTM 1→40 + Dense 1")]
    public void SmallLstmStep() => _small.Step(_smallState, _input1, _output1);

    /// <summary>An audio block of 64 samples through the small LSTM in one Process call; reported per sample.</summary>
    [Benchmark(Description = "Process LSTM 1→40 + Dense 1, block of 64 samples, per sample", OperationsPerInvoke = 64)]
    public void SmallLstmProcess() => _small.Process(_smallState, _block64, _blockOutput64);

    [Benchmark(Description = "Step LSTM 64→128 + Dense 64, 64 streams")]
    public void LstmStepStreams() => _lstm.Step(_streams, _inputs64x64, _outputs64x64);

    [Benchmark(Description = "Step LSTM 64→128 + Dense 64, bfloat16")]
    public void LstmStepBFloat16() => _lstm16.Step(_lstm16State, _input64, _output64);

    [Benchmark(Description = "Step GRU 64→128 + Dense 64, bfloat16")]
    public void GruStepBFloat16() => _gru16.Step(_gru16State, _input64, _output64);

    [Benchmark(Description = "Step LSTM 64→128 + Dense 64, 64 streams, bfloat16")]
    public void LstmStepStreamsBFloat16() => _lstm16.Step(_streams16, _inputs64x64, _outputs64x64);

    [Benchmark(Description = "Step LSTM 64→128 + Dense 64, int8")]
    public void LstmStepInt8() => _lstm8.Step(_lstm8State, _input64, _output64);

    [Benchmark(Description = "Step GRU 64→128 + Dense 64, int8")]
    public void GruStepInt8() => _gru8.Step(_gru8State, _input64, _output64);

    [Benchmark(Description = "Step LSTM 64→128 + Dense 64, 64 streams, int8")]
    public void LstmStepStreamsInt8() => _lstm8.Step(_streams8, _inputs64x64, _outputs64x64);

    public void Dispose()
    {
        _lstm16State.Dispose();
        _gru16State.Dispose();
        _streams16.Dispose();
        _lstm16.Dispose();
        _gru16.Dispose();
        _lstm8State.Dispose();
        _gru8State.Dispose();
        _streams8.Dispose();
        _lstm8.Dispose();
        _gru8.Dispose();
        _lstmState.Dispose();
        _gruState.Dispose();
        _peepholeState.Dispose();
        _peephole.Dispose();
        _smallState.Dispose();
        _lstm2State.Dispose();
        _gru2State.Dispose();
        _streams.Dispose();
        _lstm.Dispose();
        _lstm2.Dispose();
        _gru2.Dispose();
        _gru.Dispose();
        _small.Dispose();
        GC.SuppressFinalize(this);
    }
}
