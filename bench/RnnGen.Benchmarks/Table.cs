using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using RnnGen.Optimizers;

namespace RnnGen.Benchmarks;

/// <summary>
/// The performance table in one quick pass: each row is timed as the median of many samples of a
/// Stopwatch around a batch of calls, after a warm-up long enough for tiered JIT compilation to
/// finish. BenchmarkDotNet's runs are the reference; this mode exists so that a side-by-side script
/// can take both implementations' figures in the same run (see bench/side_by_side.py).
/// </summary>
internal static class Table
{
    /// <summary>One measured row: a stable key, a label, and the median time of one call in microseconds.</summary>
    internal readonly record struct Row(string Key, string Label, double Microseconds, double Flops);

    public static int Run(string[] args)
    {
        double seconds = 1.0;
        bool json = false;
        string[]? only = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json":
                    json = true;
                    break;
                case "--seconds" when i + 1 < args.Length:
                    seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--only" when i + 1 < args.Length:
                    only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: table [--seconds S] [--json] [--only KEY,KEY…] (keys: {string.Join(", ", Keys)})");
                    return 2;
            }
        }

        if (only is not null && Array.Find(only, key => Array.IndexOf(Keys, key) < 0) is string unknown)
        {
            Console.Error.WriteLine($"Unknown row '{unknown}'. Keys: {string.Join(", ", Keys)}");
            return 2;
        }

        var rows = Measure(seconds, key => only is null || Array.IndexOf(only, key) >= 0);
        foreach (var row in rows)
        {
            if (json)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"key\": \"{row.Key}\", \"us\": {row.Microseconds:R}}}"));
            }
            else
            {
                string rate = row.Flops > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"  ({row.Flops / row.Microseconds / 1e3:F1} GFLOP/s)")
                    : string.Empty;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Label,-42} {row.Microseconds,12:F2} µs{rate}"));
            }
        }

        return 0;
    }

    /// <summary>The stable keys of the rows, in table order (for <c>--only</c> and the JSON output).</summary>
    /// <summary>Shortest warm-up of a row, in seconds (see <see cref="Time"/>).</summary>
    private const double WarmUpSeconds = 1.0;

    /// <summary>Fewest calls in the warm-up of a row (see <see cref="Time"/>).</summary>
    private const int WarmUpCalls = 100;

    /// <summary>A training step (TrainStep, clipping, Adam) per cell, on one thread: see CellModels.cs.</summary>
    private static readonly (string Key, string Label, Func<IRnnModel<int, int>> Create)[] CellRows =
    [
        ("train_cell_lstm", "Train LSTM 128 (T 64, B 32), 1 thread", () => new TrainLstm(seed: 1)),
        ("train_cell_peephole", "Train peephole LSTM 128, 1 thread", () => new TrainPeephole(seed: 1)),
        ("train_cell_coupled", "Train coupled-gate LSTM 128, 1 thread", () => new TrainCoupled(seed: 1)),
        ("train_cell_gru", "Train GRU 128, 1 thread", () => new TrainGru(seed: 1)),
        ("train_cell_gru_reset_before", "Train GRU (reset before) 128, 1 thread", () => new TrainGruResetBefore(seed: 1)),
        ("train_cell_mut1", "Train MUT1 128, 1 thread", () => new TrainMut1(seed: 1)),
        ("train_cell_mut2", "Train MUT2 128, 1 thread", () => new TrainMut2(seed: 1)),
        ("train_cell_mut3", "Train MUT3 128, 1 thread", () => new TrainMut3(seed: 1)),
        ("train_cell_mgu", "Train MGU (C#) 128, 1 thread", () => new TrainMgu(seed: 1)),
    ];

    private static readonly string[] Keys = ["step_lstm_64_128", "step_lstm_64_128_2t", "step_lstm_64_128_x64", "step_peephole_64_128", "step_gru_64_128", "step_gru_64_128_2t", "step_lstm_1_40",
        "step_lstm_64_128_bf16", "step_lstm_64_128_x64_bf16", "step_gru_64_128_bf16", "step_lstm_1_40_bf16", "step_lstm_64_128_int8", "step_lstm_64_128_x64_int8", "step_gru_64_128_int8", "step_lstm_1_40_int8", "process_lstm_1_40", .. AudioKeys(), "forward_b1", "forward_b1_2t", "forward_b32", "train_char_1t", "train_char",
        .. CellRows.Select(c => c.Key)];

    private static List<Row> Measure(double seconds, Func<string, bool> wanted)
    {
        var rows = new List<Row>();
        var random = new RandomSource(7);
        var input64 = new float[64];
        var output64 = new float[64];
        var input1 = new[] { 0.25f };
        var output1 = new float[1];
        var inputs1 = new float[64 * 64];
        var outputs1 = new float[64 * 64];
        var inputs32 = new float[32 * 64 * 64];
        var outputs32 = new float[32 * 64 * 64];
        var tokens = new int[32 * 64];
        var targets = new int[32 * 64];
        for (int i = 0; i < inputs32.Length; i++)
        {
            inputs32[i] = random.NextGaussian();
        }

        Array.Copy(inputs32, inputs1, inputs1.Length);
        Array.Copy(inputs32, input64, input64.Length);
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = random.NextInt(65);
            targets[i] = random.NextInt(65);
        }

        if (wanted("step_lstm_64_128"))
        {
            using var lstm = new Lstm64x128(seed: 1);
            using var state = lstm.NewState();
            rows.Add(Time("step_lstm_64_128", "Step LSTM 64→128 + Dense 64", seconds, 0, () => lstm.Step(state, input64, output64)));
        }

        if (wanted("step_peephole_64_128"))
        {
            using var lstm = new PeepholeLstm64x128(seed: 1);
            using var state = lstm.NewState();
            rows.Add(Time("step_peephole_64_128", "Step peephole LSTM 64→128 + Dense 64", seconds, 0, () => lstm.Step(state, input64, output64)));
        }

        if (wanted("step_lstm_64_128_2t"))
        {
            // Threads = 2: the step is split by hidden units, each core reading half of the weights.
            using var lstm = new Lstm64x128(seed: 1) { Threads = 2 };
            using var state = lstm.NewState();
            rows.Add(Time("step_lstm_64_128_2t", "Step LSTM 64→128 + Dense 64, 2 threads", seconds, 0, () => lstm.Step(state, input64, output64)));
        }

        if (wanted("step_lstm_64_128_x64"))
        {
            // 64 streams in one call: the per-stream time is this row divided by 64.
            using var lstm = new Lstm64x128(seed: 1);
            using var streams = lstm.NewStreams(64);
            var inputs = new float[64 * 64];
            var outputs = new float[64 * 64];
            Array.Copy(inputs32, inputs, inputs.Length);
            rows.Add(Time("step_lstm_64_128_x64", "Step LSTM 64→128 + Dense 64, 64 streams", seconds, 64 * 2.0 * ((512 * (64 + 128)) + (64 * 128)), () => lstm.Step(streams, inputs, outputs)));
        }

        if (wanted("step_gru_64_128"))
        {
            using var gru = new Gru64x128(seed: 1);
            using var state = gru.NewState();
            rows.Add(Time("step_gru_64_128", "Step GRU 64→128 + Dense 64", seconds, 0, () => gru.Step(state, input64, output64)));
        }

        if (wanted("step_gru_64_128_2t"))
        {
            using var gru = new Gru64x128(seed: 1) { Threads = 2 };
            using var state = gru.NewState();
            rows.Add(Time("step_gru_64_128_2t", "Step GRU 64→128 + Dense 64, 2 threads", seconds, 0, () => gru.Step(state, input64, output64)));
        }

        if (wanted("step_lstm_1_40"))
        {
            using var small = new Lstm1x40(seed: 1);
            using var state = small.NewState();
            rows.Add(Time("step_lstm_1_40", "Step LSTM 1→40 + Dense 1", seconds, 0, () => small.Step(state, input1, output1)));
        }

        // An audio block: Process over 64 samples of the LSTM 1→40 in one call, reported per sample.
        if (wanted("process_lstm_1_40"))
        {
            using var small = new Lstm1x40(seed: 1);
            using var state = small.NewState();
            var block = new float[64];
            var blockOut = new float[64];
            for (int i = 0; i < block.Length; i++)
            {
                block[i] = inputs32[i] * 0.5f;
            }

            var row = Time("process_lstm_1_40", "Process LSTM 1→40 + Dense 1, blocks of 64, per sample", seconds, 0, () => small.Process(state, block, blockOut));
            rows.Add(row with { Microseconds = row.Microseconds / block.Length });
        }

        // RTNeural's shapes (bench/rtneural/run.sh): Process over blocks of 64 samples, and Step, per sample.
        var signal = new float[64];
        for (int i = 0; i < signal.Length; i++)
        {
            signal[i] = inputs32[i] * 0.5f;
        }

        AudioRows(rows, wanted, seconds, signal, "lstm", 8, () => new AudioLstm8(seed: 1));
        AudioRows(rows, wanted, seconds, signal, "lstm", 16, () => new AudioLstm16(seed: 1));
        AudioRows(rows, wanted, seconds, signal, "lstm", 32, () => new AudioLstm32(seed: 1));
        AudioRows(rows, wanted, seconds, signal, "lstm", 40, () => new Lstm1x40(seed: 1));
        AudioRows(rows, wanted, seconds, signal, "lstm", 64, () => new AudioLstm64(seed: 1));
        AudioRows(rows, wanted, seconds, signal, "gru", 8, () => new AudioGru8(seed: 1));
        AudioRows(rows, wanted, seconds, signal, "gru", 16, () => new AudioGru16(seed: 1));
        AudioRows(rows, wanted, seconds, signal, "gru", 32, () => new AudioGru32(seed: 1));
        AudioRows(rows, wanted, seconds, signal, "gru", 40, () => new AudioGru40(seed: 1));
        AudioRows(rows, wanted, seconds, signal, "gru", 64, () => new AudioGru64(seed: 1));
        AudioRows(rows, wanted, seconds, signal, "lstm", 8, () => new AudioRationalLstm8(seed: 1), rational: true);
        AudioRows(rows, wanted, seconds, signal, "lstm", 16, () => new AudioRationalLstm16(seed: 1), rational: true);
        AudioRows(rows, wanted, seconds, signal, "lstm", 32, () => new AudioRationalLstm32(seed: 1), rational: true);
        AudioRows(rows, wanted, seconds, signal, "lstm", 40, () => new AudioRationalLstm40(seed: 1), rational: true);
        AudioRows(rows, wanted, seconds, signal, "lstm", 64, () => new AudioRationalLstm64(seed: 1), rational: true);
        AudioRows(rows, wanted, seconds, signal, "gru", 8, () => new AudioRationalGru8(seed: 1), rational: true);
        AudioRows(rows, wanted, seconds, signal, "gru", 16, () => new AudioRationalGru16(seed: 1), rational: true);
        AudioRows(rows, wanted, seconds, signal, "gru", 32, () => new AudioRationalGru32(seed: 1), rational: true);
        AudioRows(rows, wanted, seconds, signal, "gru", 40, () => new AudioRationalGru40(seed: 1), rational: true);
        AudioRows(rows, wanted, seconds, signal, "gru", 64, () => new AudioRationalGru64(seed: 1), rational: true);

        // The same steps reading compact copies of the weights (InferenceWeights = BFloat16 or Int8).
        foreach (var (format, suffix, name) in new[] { (WeightFormat.BFloat16, "bf16", "bfloat16"), (WeightFormat.Int8, "int8", "int8") })
        {
            if (wanted($"step_lstm_64_128_{suffix}"))
            {
                using var lstm = new Lstm64x128(seed: 1) { InferenceWeights = format };
                using var state = lstm.NewState();
                rows.Add(Time($"step_lstm_64_128_{suffix}", $"Step LSTM 64→128 + Dense 64, {name}", seconds, 0, () => lstm.Step(state, input64, output64)));
            }

            if (wanted($"step_lstm_64_128_x64_{suffix}"))
            {
                using var lstm = new Lstm64x128(seed: 1) { InferenceWeights = format };
                using var streams = lstm.NewStreams(64);
                var inputs = new float[64 * 64];
                var outputs = new float[64 * 64];
                Array.Copy(inputs32, inputs, inputs.Length);
                rows.Add(Time($"step_lstm_64_128_x64_{suffix}", $"Step LSTM 64→128 + Dense 64, 64 streams, {name}", seconds, 64 * 2.0 * ((512 * (64 + 128)) + (64 * 128)), () => lstm.Step(streams, inputs, outputs)));
            }

            if (wanted($"step_gru_64_128_{suffix}"))
            {
                using var gru = new Gru64x128(seed: 1) { InferenceWeights = format };
                using var state = gru.NewState();
                rows.Add(Time($"step_gru_64_128_{suffix}", $"Step GRU 64→128 + Dense 64, {name}", seconds, 0, () => gru.Step(state, input64, output64)));
            }

            if (wanted($"step_lstm_1_40_{suffix}"))
            {
                using var small = new Lstm1x40(seed: 1) { InferenceWeights = format };
                using var state = small.NewState();
                rows.Add(Time($"step_lstm_1_40_{suffix}", $"Step LSTM 1→40 + Dense 1, {name}", seconds, 0, () => small.Step(state, input1, output1)));
            }
        }

        // Multiply–adds of the LSTM 64→128 + Dense 64 forward pass per token, two FLOPs each.
        double flopsPerToken = 2.0 * ((512 * (64 + 128)) + (64 * 128));
        if (wanted("forward_b1"))
        {
            using var model = new Lstm64x128(seed: 1);
            rows.Add(Time("forward_b1", "Forward LSTM 64→128, T=64, batch 1", seconds, 64 * flopsPerToken, () => model.Forward(inputs1, outputs1)));
        }

        if (wanted("forward_b1_2t"))
        {
            // Threads = 2: one batch entry, so the recurrence is split by hidden units.
            using var model = new Lstm64x128(seed: 1) { Threads = 2 };
            rows.Add(Time("forward_b1_2t", "Forward LSTM 64→128, T=64, batch 1, 2 threads", seconds, 64 * flopsPerToken, () => model.Forward(inputs1, outputs1)));
        }

        if (wanted("forward_b32"))
        {
            using var model = new Lstm64x128Batch32(seed: 1);
            rows.Add(Time("forward_b32", "Forward LSTM 64→128, T=64, batch 32", seconds, 64 * 32 * flopsPerToken, () => model.Forward(inputs32, outputs32)));
        }

        // Forward and backward multiply–adds per token: three times the forward's.
        double trainFlops = 3 * 2.0 * 2048 * ((512 * (32 + 128)) + (512 * 256) + (65 * 128));
        foreach (int threads in new[] { 1, 2 })
        {
            string key = threads == 2 ? "train_char" : "train_char_1t";
            if (!wanted(key))
            {
                continue;
            }

            using var model = new CharLstm(seed: 1) { Threads = threads };
            using var adam = new Adam(model.Parameters, 2e-3f);
            rows.Add(Time(key, $"Train char model, 2,048 tokens, {threads} thread{(threads == 1 ? "" : "s")}", seconds, trainFlops, () =>
            {
                model.TrainStep(tokens, targets);
                GradientClipping.ClipByGlobalNorm(model.Parameters, 5f);
                adam.Step();
            }));
        }

        foreach (var (key, label, create) in CellRows)
        {
            if (!wanted(key))
            {
                continue;
            }

            using var model = create();
            using var adam = new Adam(model.Parameters, 2e-3f);
            rows.Add(Time(key, label, seconds, 0, () =>
            {
                model.TrainStep(tokens, targets);
                GradientClipping.ClipByGlobalNorm(model.Parameters, 5f);
                adam.Step();
            }));
        }

        return rows;
    }

    /// <summary>
    /// Warms up, sizes a batch of calls to about a millisecond, then records batches for three
    /// quarters of the budget and reports the median time of one call.
    /// </summary>
    /// <remarks>
    /// The warm-up lasts a quarter of the budget, and at least <see cref="WarmUpSeconds"/> and
    /// <see cref="WarmUpCalls"/> calls. The runtime recompiles a method with full optimisation only
    /// after it has been called 30 times, and a training step's per-layer methods run once per call:
    /// the char model's step settles after 50–60 calls. With a quarter of a second of warm-up (about
    /// 12 calls) that row measured 20–24 ms, against 15.5–17 ms once warm.
    /// </remarks>
    /// <summary>
    /// The rows of one audio shape, times per sample: "audio_{kind}_{hidden}", Process over blocks of 64
    /// samples, and "audio_{kind}_{hidden}_step", one Step per sample; with <paramref name="rational"/> (a model
    /// declared with ActivationMath.Rational), "audio_{kind}_{hidden}_rational" and "…_rational_step". The model is
    /// made only when a row is wanted.
    /// </summary>
    private static void AudioRows<TState>(List<Row> rows, Func<string, bool> wanted, double seconds, float[] signal, string kind, int hidden, Func<IFeatureStreamingModel<TState>> create, bool rational = false)
        where TState : IRecurrentState
    {
        string key = $"audio_{kind}_{hidden}" + (rational ? "_rational" : "");
        if (!wanted(key) && !wanted(key + "_step"))
        {
            return;
        }

        var model = create();
        using var owner = (IDisposable)model;
        string name = $"{(kind == "lstm" ? "LSTM" : "GRU")} 1→{hidden} + Dense 1" + (rational ? ", rational activations" : "");
        using var state = model.NewState();
        var outputs = new float[signal.Length];
        if (wanted(key))
        {
            var row = Time(key, $"Process {name}, blocks of 64, per sample", seconds, 0, () => model.Process(state, signal, outputs));
            rows.Add(row with { Microseconds = row.Microseconds / signal.Length });
        }

        if (wanted(key + "_step"))
        {
            var row = Time(key + "_step", $"Step {name}, per sample", seconds, 0, () =>
            {
                for (int i = 0; i < signal.Length; i++)
                {
                    model.Step(state, signal.AsSpan(i, 1), outputs.AsSpan(i, 1));
                }
            });
            rows.Add(row with { Microseconds = row.Microseconds / signal.Length });
        }
    }

    /// <summary>The keys of the audio rows, in table order.</summary>
    private static string[] AudioKeys() =>
        [.. new[] { "", "_rational" }.SelectMany(math => new[] { "lstm", "gru" }.SelectMany(kind => new[] { 8, 16, 32, 40, 64 }.SelectMany(h => new[] { $"audio_{kind}_{h}{math}", $"audio_{kind}_{h}{math}_step" })))];

    private static Row Time(string key, string label, double seconds, double flops, Action action)
    {
        var warm = Stopwatch.StartNew();
        long calls = 0;
        while (warm.Elapsed.TotalSeconds < Math.Max(seconds / 4, WarmUpSeconds) || calls < WarmUpCalls)
        {
            action();
            calls++;
        }

        double perCall = warm.Elapsed.TotalSeconds / calls;
        int batch = (int)Math.Clamp(1e-3 / perCall, 1, 1_000_000);
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds * 0.75 || samples.Count < 5)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < batch; i++)
            {
                action();
            }

            samples.Add(Stopwatch.GetElapsedTime(start).TotalSeconds * 1e6 / batch);
        }

        samples.Sort();
        return new Row(key, label, samples[samples.Count / 2], flops);
    }
}
