using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Benchmarks;
using RnnGen.Optimizers;

namespace RnnGen.SideBySide;

/// <summary>
/// RnnGen's side of each row, calling the generated models of bench/RnnGen.Benchmarks/Models.cs
/// exactly as that project's table does (Table.cs).
/// </summary>
/// <remarks>
/// Each model loads the weights bench/export_onnx.py wrote from PyTorch, so ONNX Runtime runs the
/// same weights; TorchSharp copies them from the RnnGen model's <see cref="IRnnModel.Parameters"/>.
/// Without the exported files the models keep their seeded initialisation.
/// </remarks>
internal static class RnnGenContenders
{
    /// <summary>The name RnnGen's contender has in the table.</summary>
    public const string Name = "RnnGen";

    /// <summary>The accuracy bound of compact inference weights, bfloat16 and int8 alike (see BENCHMARKS.md, "Compact weights").</summary>
    public const double CompactTolerance = 1e-2;

    /// <summary>The name of RnnGen with the given inference weights: "RnnGen", "RnnGen bfloat16" or "RnnGen int8".</summary>
    /// <param name="format">The inference weights.</param>
    /// <returns>The name.</returns>
    public static string NameOf(WeightFormat format) => format switch
    {
        WeightFormat.BFloat16 => Name + " bfloat16",
        WeightFormat.Int8 => Name + " int8",
        _ => Name,
    };

    /// <summary>A streaming step, one stream, batch 1 (Step with a State).</summary>
    /// <param name="model">The model, with its weights.</param>
    /// <param name="state">The stream's state, from the model's NewState.</param>
    /// <param name="step">One step of the model: <c>model.Step(state, input, output)</c>.</param>
    /// <param name="output">The buffer <paramref name="step"/> writes.</param>
    /// <returns>The contender, owning the model and the state.</returns>
    public static Contender Step(IRnnModel model, IRecurrentState state, Action step, float[] output) =>
        new DelegateContender(NameOf(model.InferenceWeights), step, state.Reset, () => (float[])output.Clone(), [model, state])
        {
            RelativeTolerance = model.InferenceWeights != WeightFormat.Float32 ? CompactTolerance : null,
        };

    /// <summary>One step of 64 independent streams of LSTM 64→128 + Dense 64 (Step with a StreamBatch).</summary>
    /// <param name="weights">The safetensors file, or <see langword="null"/>.</param>
    /// <param name="inputs">The streams' inputs, [64, 64].</param>
    /// <returns>The contender.</returns>
    /// <param name="format">The inference weights.</param>
    public static Contender Streams(string? weights, float[] inputs, WeightFormat format = WeightFormat.Float32)
    {
        var model = Load(new Lstm64x128(seed: 1), weights);
        model.InferenceWeights = format;
        var streams = model.NewStreams(64);
        var outputs = new float[64 * 64];
        return new DelegateContender(NameOf(format), () => model.Step(streams, inputs, outputs), streams.Reset, () => (float[])outputs.Clone(), [model, streams])
        {
            RelativeTolerance = format != WeightFormat.Float32 ? CompactTolerance : null,
        };
    }

    /// <summary>The whole-sequence forward pass of LSTM 64→128 + Dense 64, T = 64, at batch 1 or 32.</summary>
    /// <param name="weights">The safetensors file, or <see langword="null"/>.</param>
    /// <param name="batch">1 or 32.</param>
    /// <param name="threads">RnnGen's <see cref="IRnnModel.Threads"/>.</param>
    /// <param name="inputs">[batch, 64, 64].</param>
    /// <returns>The contender.</returns>
    public static Contender Forward(string? weights, int batch, int threads, float[] inputs)
    {
        IRnnModel<float, float> model = batch switch
        {
            1 => new Lstm64x128(seed: 1),
            32 => new Lstm64x128Batch32(seed: 1),
            _ => throw new ArgumentOutOfRangeException(nameof(batch)),
        };
        Load(model, weights);
        model.Threads = threads;
        var outputs = new float[batch * 64 * 64];
        return new DelegateContender(Name, () => model.Forward(inputs, outputs), null, () => (float[])outputs.Clone(), [model]);
    }

    /// <summary>
    /// A training step of the char model as Table.cs times it: TrainStep (forward, mean
    /// cross-entropy, backpropagation through time), clipping by global norm 5, Adam at 2e-3.
    /// </summary>
    /// <param name="weights">The safetensors file, or <see langword="null"/>.</param>
    /// <param name="threads">RnnGen's <see cref="IRnnModel.Threads"/>.</param>
    /// <param name="tokens">[32, 64] token ids.</param>
    /// <param name="targets">[32, 64] target ids.</param>
    /// <param name="model">The model, for TorchSharp to copy its weights from.</param>
    /// <returns>The contender. Its check returns the loss and every gradient of one TrainStep, before any Adam step.</returns>
    public static Contender Train(string? weights, int threads, int[] tokens, int[] targets, out CharLstm model)
    {
        var m = Load(new CharLstm(seed: 1), weights);
        m.Threads = threads;
        var adam = new Adam(m.Parameters, 2e-3f);
        model = m;
        return new DelegateContender(Name, () =>
        {
            m.TrainStep(tokens, targets);
            GradientClipping.ClipByGlobalNorm(m.Parameters, 5f);
            adam.Step();
        }, null, () => [], [m, adam], _ =>
        {
            float loss = m.TrainStep(tokens, targets);
            return [("loss", [loss]), ("gradients", m.Parameters.SelectMany(p => p.Gradient.ToArray()).ToArray())];
        });
    }

    /// <summary>Loads the weights into the model when the file exists.</summary>
    /// <typeparam name="TModel">The generated model.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="weights">The safetensors file, or <see langword="null"/> to keep the seeded weights.</param>
    /// <returns>The model.</returns>
    public static TModel Load<TModel>(TModel model, string? weights)
        where TModel : IRnnModel
    {
        if (weights is not null)
        {
            model.Load(weights);
        }

        return model;
    }

    /// <summary>The names, shapes and values of a model's parameters, for TorchSharp to copy.</summary>
    /// <param name="model">The model.</param>
    /// <returns>Name → (shape, values).</returns>
    public static Dictionary<string, (long[] Shape, float[] Values)> Snapshot(IRnnModel model) =>
        model.Parameters.ToDictionary(p => p.Name, p => (p.Shape.Select(d => (long)d).ToArray(), p.Value.ToArray()));
}
