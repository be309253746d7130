using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnGen.Benchmarks;

namespace RnnGen.SideBySide;

/// <summary>
/// What the rows can use: the inputs, the exported models and weights, and which peers load.
/// </summary>
/// <param name="Inputs">The inputs of every row.</param>
/// <param name="ModelDirectory">Where bench/export_onnx.py wrote its files, or <see langword="null"/> if not found.</param>
/// <param name="Ort">Whether the ONNX Runtime rows run.</param>
/// <param name="Torch">Whether the TorchSharp rows run.</param>
internal sealed record Peers(Inputs Inputs, string? ModelDirectory, bool Ort, bool Torch)
{
    /// <summary>The path of an exported file, or <see langword="null"/> when it is missing.</summary>
    /// <param name="file">The file name, e.g. "lstm_64_128.safetensors".</param>
    /// <returns>The path or <see langword="null"/>.</returns>
    public string? File(string file) =>
        ModelDirectory is not null && System.IO.File.Exists(Path.Combine(ModelDirectory, file)) ? Path.Combine(ModelDirectory, file) : null;

    /// <summary>The path of an ONNX graph when ONNX Runtime is wanted and the graph exists.</summary>
    /// <param name="file">The file name.</param>
    /// <returns>The path or <see langword="null"/>.</returns>
    public string? Graph(string file) => Ort ? File(file) : null;
}

/// <summary>How a row's time is also shown.</summary>
internal enum Rate
{
    /// <summary>Time only.</summary>
    None,

    /// <summary>GFLOP/s from the row's multiply–adds.</summary>
    Flops,

    /// <summary>Tokens per second.</summary>
    Tokens,
}

/// <summary>One row of the side-by-side table.</summary>
/// <param name="Key">Stable key, for <c>--only</c> and the JSON output (the same keys as the RnnGen table where the row is the same).</param>
/// <param name="Label">What the table shows.</param>
/// <param name="Threads">Intra-op threads of every implementation.</param>
/// <param name="Rate">How the time is also shown.</param>
/// <param name="Work">FLOPs or tokens per call, for <paramref name="Rate"/>.</param>
/// <param name="CheckCalls">Calls compared in the agreement check (several for a step, to check the carried state).</param>
/// <param name="Build">Builds the row's contenders, RnnGen first.</param>
internal sealed record Row(string Key, string Label, int Threads, Rate Rate, double Work, int CheckCalls, Func<Peers, List<Contender>> Build);

/// <summary>The rows, in table order (see BENCHMARKS.md, "Side by side", for what each measures).</summary>
internal static class Rows
{
    /// <summary>Multiply–adds of LSTM 64→128 + Dense 64 per token, two FLOPs each, counted as Table.cs counts them.</summary>
    private const double FlopsPerToken = 2.0 * ((512 * (64 + 128)) + (64 * 128));

    /// <summary>Every row.</summary>
    public static readonly Row[] All =
    [
        new("step_lstm_64_128", "Step LSTM 64→128 + Dense 64, batch 1, 1 thread", 1, Rate.None, 0, 5,
            p => StepRow(p, lstm: true, "lstm_64_128", 128, 64, () => new Lstm64x128(seed: 1), p.Inputs.FeaturePrefix(64))),
        new("step_gru_64_128", "Step GRU 64→128 + Dense 64, batch 1, 1 thread", 1, Rate.None, 0, 5,
            p => StepRow(p, lstm: false, "gru_64_128", 128, 64, () => new Gru64x128(seed: 1), p.Inputs.FeaturePrefix(64))),
        new("step_lstm_1_40", "Step LSTM 1→40 + Dense 1, batch 1, 1 thread", 1, Rate.None, 0, 5,
            p => StepRow(p, lstm: true, "lstm_1_40", 40, 1, () => new Lstm1x40(seed: 1), Inputs.SmallStepInput)),
        new("step_lstm_64_128_x64", "Step LSTM 64→128 + Dense 64, 64 streams, 1 thread", 1, Rate.Flops, 64 * FlopsPerToken, 5, StreamsRow),
        new("forward_b1", "Forward LSTM 64→128 + Dense 64, T=64, B=1, 1 thread", 1, Rate.Flops, 64 * FlopsPerToken, 1, p => ForwardRow(p, 1, 1)),
        new("forward_b1_2t", "Forward LSTM 64→128 + Dense 64, T=64, B=1, 2 threads", 2, Rate.Flops, 64 * FlopsPerToken, 1, p => ForwardRow(p, 1, 2)),
        new("forward_b32", "Forward LSTM 64→128 + Dense 64, T=64, B=32, 1 thread", 1, Rate.Flops, 64 * 32 * FlopsPerToken, 1, p => ForwardRow(p, 32, 1)),
        new("forward_b32_2t", "Forward LSTM 64→128 + Dense 64, T=64, B=32, 2 threads", 2, Rate.Flops, 64 * 32 * FlopsPerToken, 1, p => ForwardRow(p, 32, 2)),
        new("train_char_1t", "Train char model, T=64, B=32 (2,048 tokens), 1 thread", 1, Rate.Tokens, 2048, 1, p => TrainRow(p, 1)),
        new("train_char", "Train char model, T=64, B=32 (2,048 tokens), 2 threads", 2, Rate.Tokens, 2048, 1, p => TrainRow(p, 2)),
    ];

    /// <summary>The keys, in table order.</summary>
    public static string[] Keys => All.Select(r => r.Key).ToArray();

    private static List<Contender> StepRow(Peers p, bool lstm, string name, int hidden, int outputs, Func<IRnnModel> create, float[] input)
    {
        var model = RnnGenContenders.Load(create(), p.File(name + ".safetensors"));
        var contenders = new List<Contender> { RnnGenStep(model, input, outputs) };
        foreach (var format in new[] { WeightFormat.BFloat16, WeightFormat.Int8 })
        {
            var compact = RnnGenContenders.Load(create(), p.File(name + ".safetensors"));
            compact.InferenceWeights = format;
            contenders.Add(RnnGenStep(compact, input, outputs));
        }
        if (p.Graph(name + "_step.onnx") is string graph)
        {
            contenders.Add(OrtContender.Step(graph, 1, input, hidden, outputs, lstm));
        }

        if (p.Torch)
        {
            var weights = RnnGenContenders.Snapshot(model);
            contenders.Add(new TorchStep(cell: false, lstm, 1, input, hidden, outputs, weights));
            contenders.Add(new TorchStep(cell: true, lstm, 1, input, hidden, outputs, weights));
        }

        return contenders;
    }

    /// <summary>RnnGen's step of one of the step rows' models, with the weights the model's InferenceWeights selects.</summary>
    private static Contender RnnGenStep(IRnnModel model, float[] input, int outputs)
    {
        var output = new float[outputs];
        Contender rnnGen;
        switch (model)
        {
            case Lstm64x128 m:
            {
                var state = m.NewState();
                rnnGen = RnnGenContenders.Step(m, state, () => m.Step(state, input, output), output);
                break;
            }

            case Gru64x128 m:
            {
                var state = m.NewState();
                rnnGen = RnnGenContenders.Step(m, state, () => m.Step(state, input, output), output);
                break;
            }

            case Lstm1x40 m:
            {
                var state = m.NewState();
                rnnGen = RnnGenContenders.Step(m, state, () => m.Step(state, input, output), output);
                break;
            }

            default:
                throw new ArgumentException($"No step for {model.GetType().Name}.", nameof(model));
        }

        return rnnGen;
    }

    private static List<Contender> StreamsRow(Peers p)
    {
        var weights = p.File("lstm_64_128.safetensors");
        var input = p.Inputs.FeaturePrefix(64 * 64);
        var contenders = new List<Contender> { RnnGenContenders.Streams(weights, input), RnnGenContenders.Streams(weights, input, WeightFormat.BFloat16), RnnGenContenders.Streams(weights, input, WeightFormat.Int8) };
        if (p.Graph("lstm_64_128_step.onnx") is string graph)
        {
            contenders.Add(OrtContender.Step(graph, 64, input, 128, 64, lstm: true));
        }

        if (p.Torch)
        {
            using var model = RnnGenContenders.Load(new Lstm64x128(seed: 1), weights);
            var snapshot = RnnGenContenders.Snapshot(model);
            contenders.Add(new TorchStep(cell: false, lstm: true, 64, input, 128, 64, snapshot));
            contenders.Add(new TorchStep(cell: true, lstm: true, 64, input, 128, 64, snapshot));
        }

        return contenders;
    }

    private static List<Contender> ForwardRow(Peers p, int batch, int threads)
    {
        var weights = p.File("lstm_64_128.safetensors");
        var input = p.Inputs.FeaturePrefix(batch * 64 * 64);
        var contenders = new List<Contender> { RnnGenContenders.Forward(weights, batch, threads, input) };
        if (p.Graph("lstm_64_128_sequence.onnx") is string graph)
        {
            contenders.Add(OrtContender.Sequence(graph, batch, 64, input, 64, threads));
        }

        if (p.Torch)
        {
            using var model = RnnGenContenders.Load(new Lstm64x128(seed: 1), weights);
            contenders.Add(new TorchSequence(batch, 64, input, 128, 64, threads, RnnGenContenders.Snapshot(model)));
        }

        return contenders;
    }

    private static List<Contender> TrainRow(Peers p, int threads)
    {
        var contenders = new List<Contender>
        {
            RnnGenContenders.Train(p.File("char_lstm.safetensors"), threads, p.Inputs.Tokens, p.Inputs.Targets, out var model),
        };
        if (p.Torch)
        {
            contenders.Add(new TorchTrain(threads, p.Inputs.Tokens, p.Inputs.Targets, RnnGenContenders.Snapshot(model),
                model.Parameters.Select(q => q.Name).ToArray()));
        }

        return contenders;
    }
}
