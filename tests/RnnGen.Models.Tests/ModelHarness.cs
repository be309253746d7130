using System;
using RnnGen;

namespace RnnGen.Models.Tests;

/// <summary>
/// A generated model bound to fixed inputs and targets (and, for a ragged fixture, lengths, initial
/// states and final-state gradients), so every test can run over every model whatever its input
/// and target types.
/// </summary>
internal sealed class ModelHarness : IDisposable
{
    private ModelHarness(string name, IRnnModel model, int[]? lengths)
    {
        Name = name;
        Model = model;
        Lengths = lengths;
    }

    public string Name { get; }

    public IRnnModel Model { get; }

    /// <summary>The real steps of each sequence, or null when every sequence is full length.</summary>
    public int[]? Lengths { get; }

    /// <summary>
    /// Forward over the bound inputs into a [B, OutputSteps, O] array. A model with dropout runs in
    /// training mode on the masks of pass 0, the ones its fixture was made with.
    /// </summary>
    public Action<float[]> Forward { get; private set; } = null!;

    /// <summary>Forward in inference mode (no dropout): what Step reproduces.</summary>
    public Action<float[]> InferenceForward { get; private set; } = null!;

    /// <summary>TrainStep on the bound inputs and targets (dropout masks of pass 0); returns the loss.</summary>
    public Func<float> TrainStep { get; private set; } = null!;

    /// <summary>
    /// Evaluate on the bound inputs and targets, in double precision, no backward pass; plus the
    /// downstream term Σ final state · final-state gradient, whose gradient TrainStep adds in, so
    /// the two describe the same function.
    /// </summary>
    public Func<double> Evaluate { get; private set; } = null!;

    /// <summary>
    /// Steps batch entry b through its real steps from its initial state (row b of InitialHidden and
    /// InitialCell) into a [steps, O] array; returns the number of steps.
    /// </summary>
    public Func<int, float[], int> Stream { get; private set; } = null!;

    /// <summary>
    /// As <see cref="Stream"/>, with Process over blocks of the given number of steps (the last block
    /// shorter) instead of one Step per step: (entry, block, outputs) → steps.
    /// </summary>
    public Func<int, int, float[], int> ProcessStream { get; private set; } = null!;

    /// <summary>
    /// Streams batch entry b as <see cref="Stream"/> does, with the tapped Step (or, with a block size above 0,
    /// the tapped Process in blocks of that size): outputs [T, O] and taps [T, TapSize]; returns the steps.
    /// </summary>
    public Func<int, int, float[], float[], int> StreamTaps { get; private set; } = null!;

    /// <summary>
    /// The inference Forward with taps over the bound inputs (and lengths): (outputs, taps [B, T, TapSize]).
    /// </summary>
    public Action<float[], float[]> ForwardTaps { get; private set; } = null!;

    /// <summary>The model's taps.</summary>
    public ITappedModel Tapped => (ITappedModel)Model;

    public int OutputCount => Model.BatchSize * Model.OutputSteps * Model.OutputSize;

    public int LengthOf(int b) => Lengths?[b] ?? Model.SequenceLength;

    /// <summary>For a model with dropout: the next pass drops (<paramref name="training"/>) with the masks of pass 0.</summary>
    private void Mode(bool training)
    {
        if (Model is IDropoutModel dropout)
        {
            dropout.Training = training;
            dropout.DropoutPasses = 0;
        }
    }

    public void Dispose() => Model.Dispose();

    /// <summary>Σ over layers of FinalHidden · FinalHiddenGradient (and the cell's), in double precision.</summary>
    public double DownstreamTerm()
    {
        double total = 0;
        for (int layer = 0; layer < Model.LayerCount; layer++)
        {
            total += Dot(Model.FinalHidden(layer), Model.FinalHiddenGradient(layer));
            if (Model.HasCellState(layer))
            {
                total += Dot(Model.FinalCell(layer), Model.FinalCellGradient(layer));
            }
        }

        return total;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    /// <summary>Sets a fresh stream state to row <paramref name="b"/> of the model's batch initial state (and memory).</summary>
    private void InitialiseStream<TState>(TState state, int b)
        where TState : IRecurrentState
    {
        if (Model is IAttentionModel<TState> attention)
        {
            int size = attention.MemoryLength * attention.MemorySize;
            attention.SetMemory(state, attention.Memory.Slice(b * size, size), attention.MemoryLengths[b]);
        }

        for (int layer = 0; layer < Model.LayerCount; layer++)
        {
            int h = Model.HiddenSize(layer);
            Model.InitialHidden(layer).Slice(b * h, h).CopyTo(state.Hidden(layer));
            if (Model.HasCellState(layer))
            {
                int c = Model.CellSize(layer);
                Model.InitialCell(layer).Slice(b * c, c).CopyTo(state.Cell(layer));
            }
        }
    }

    /// <summary>Forward, InferenceForward, TrainStep and Evaluate over the bound inputs and targets (and lengths).</summary>
    private void BindBatch<TInput, TTarget>(IRnnModel<TInput, TTarget> model, TInput[] inputs, TTarget[] targets)
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        int[]? lengths = Lengths;
        void Run(float[] outputs)
        {
            if (lengths is null)
            {
                model.Forward(inputs, outputs);
            }
            else
            {
                model.Forward(inputs, lengths, outputs);
            }
        }

        Forward = outputs =>
        {
            Mode(training: true);
            Run(outputs);
        };
        InferenceForward = outputs =>
        {
            Mode(training: false);
            Run(outputs);
        };
        TrainStep = () =>
        {
            Mode(training: true);
            return lengths is null ? model.TrainStep(inputs, targets) : model.TrainStep(inputs, lengths, targets);
        };
        Evaluate = () =>
        {
            Mode(training: true);
            return (lengths is null ? model.Evaluate(inputs, targets) : model.Evaluate(inputs, lengths, targets)) + DownstreamTerm();
        };
    }

    public static ModelHarness Tokens<TModel, TState, TTarget>(string name, TModel model, int[] inputs, TTarget[] targets, int[]? lengths = null)
        where TModel : IRnnModel<int, TTarget>, ITokenStreamingModel<TState>, ITokenTappedModel<TState>
        where TState : IRecurrentState
        where TTarget : unmanaged
    {
        int t = model.SequenceLength, o = model.OutputSize;
        ModelHarness h = new(name, model, lengths);
        h.BindBatch(model, inputs, targets);
        h.ForwardTaps = (outputs, taps) =>
        {
            h.Mode(training: false);
            if (lengths is null)
            {
                model.Forward(inputs, outputs, taps);
            }
            else
            {
                model.Forward(inputs, lengths, outputs, taps);
            }
        };
        h.Stream = (entry, outputs) =>
        {
            using TState state = model.NewState();
            h.InitialiseStream(state, entry);
            int steps = h.LengthOf(entry);
            for (int i = 0; i < steps; i++)
            {
                model.Step(state, inputs[(entry * t) + i], outputs.AsSpan(i * o, o));
            }

            return steps;
        };
        h.ProcessStream = (entry, block, outputs) =>
        {
            using TState state = model.NewState();
            h.InitialiseStream(state, entry);
            int steps = h.LengthOf(entry);
            for (int i = 0; i < steps; i += block)
            {
                int n = Math.Min(block, steps - i);
                model.Process(state, inputs.AsSpan((entry * t) + i, n), outputs.AsSpan(i * o, n * o));
            }

            return steps;
        };
        h.StreamTaps = (entry, block, outputs, taps) =>
        {
            int size = model.TapSize;
            using TState state = model.NewState();
            h.InitialiseStream(state, entry);
            int steps = h.LengthOf(entry);
            for (int i = 0; i < steps; i += Math.Max(block, 1))
            {
                int n = block > 0 ? Math.Min(block, steps - i) : 1;
                if (block > 0)
                {
                    model.Process(state, inputs.AsSpan((entry * t) + i, n), outputs.AsSpan(i * o, n * o), taps.AsSpan(i * size, n * size));
                }
                else
                {
                    model.Step(state, inputs[(entry * t) + i], outputs.AsSpan(i * o, o), taps.AsSpan(i * size, size));
                }
            }

            return steps;
        };
        return h;
    }

    public static ModelHarness Features<TModel, TState, TTarget>(string name, TModel model, float[] inputs, TTarget[] targets, int[]? lengths = null)
        where TModel : IRnnModel<float, TTarget>, IFeatureStreamingModel<TState>, IFeatureTappedModel<TState>
        where TState : IRecurrentState
        where TTarget : unmanaged
    {
        int t = model.SequenceLength, o = model.OutputSize, f = model.InputSize;
        ModelHarness h = new(name, model, lengths);
        h.BindBatch(model, inputs, targets);
        h.ForwardTaps = (outputs, taps) =>
        {
            h.Mode(training: false);
            if (lengths is null)
            {
                model.Forward(inputs, outputs, taps);
            }
            else
            {
                model.Forward(inputs, lengths, outputs, taps);
            }
        };
        h.Stream = (entry, outputs) =>
        {
            using TState state = model.NewState();
            h.InitialiseStream(state, entry);
            int steps = h.LengthOf(entry);
            for (int i = 0; i < steps; i++)
            {
                model.Step(state, inputs.AsSpan(((entry * t) + i) * f, f), outputs.AsSpan(i * o, o));
            }

            return steps;
        };
        h.ProcessStream = (entry, block, outputs) =>
        {
            using TState state = model.NewState();
            h.InitialiseStream(state, entry);
            int steps = h.LengthOf(entry);
            for (int i = 0; i < steps; i += block)
            {
                int n = Math.Min(block, steps - i);
                model.Process(state, inputs.AsSpan(((entry * t) + i) * f, n * f), outputs.AsSpan(i * o, n * o));
            }

            return steps;
        };
        h.StreamTaps = (entry, block, outputs, taps) =>
        {
            int size = model.TapSize;
            using TState state = model.NewState();
            h.InitialiseStream(state, entry);
            int steps = h.LengthOf(entry);
            for (int i = 0; i < steps; i += Math.Max(block, 1))
            {
                int n = block > 0 ? Math.Min(block, steps - i) : 1;
                if (block > 0)
                {
                    model.Process(state, inputs.AsSpan(((entry * t) + i) * f, n * f), outputs.AsSpan(i * o, n * o), taps.AsSpan(i * size, n * size));
                }
                else
                {
                    model.Step(state, inputs.AsSpan(((entry * t) + i) * f, f), outputs.AsSpan(i * o, o), taps.AsSpan(i * size, size));
                }
            }

            return steps;
        };
        return h;
    }
}
