using System;
using RnnGen;

namespace RnnGen.Models.Tests;

/// <summary>
/// A generated model bound to fixed inputs and targets, so every test can run over every model
/// whatever its input and target types.
/// </summary>
internal sealed class ModelHarness : IDisposable
{
    private ModelHarness(string name, IRnnModel model)
    {
        Name = name;
        Model = model;
    }

    public string Name { get; }

    public IRnnModel Model { get; }

    /// <summary>Forward over the bound inputs into a [B, T, O] array.</summary>
    public Action<float[]> Forward { get; private set; } = null!;

    /// <summary>TrainStep on the bound inputs and targets; returns the loss.</summary>
    public Func<float> TrainStep { get; private set; } = null!;

    /// <summary>Evaluate on the bound inputs and targets: the loss in double precision, no backward pass.</summary>
    public Func<double> Evaluate { get; private set; } = null!;

    /// <summary>Steps batch entry b through the whole sequence from a fresh state into a [T, O] array.</summary>
    public Action<int, float[]> Stream { get; private set; } = null!;

    public int OutputCount => Model.BatchSize * Model.SequenceLength * Model.OutputSize;

    public void Dispose() => Model.Dispose();

    public static ModelHarness Tokens<TModel, TState, TTarget>(string name, TModel model, int[] inputs, TTarget[] targets)
        where TModel : IRnnModel<int, TTarget>, ITokenStreamingModel<TState>
        where TState : IRecurrentState
        where TTarget : unmanaged
    {
        int t = model.SequenceLength, o = model.OutputSize;
        return new ModelHarness(name, model)
        {
            Forward = outputs => model.Forward(inputs, outputs),
            TrainStep = () => model.TrainStep(inputs, targets),
            Evaluate = () => model.Evaluate(inputs, targets),
            Stream = (entry, outputs) =>
            {
                using TState state = model.NewState();
                for (int i = 0; i < t; i++)
                {
                    model.Step(state, inputs[(entry * t) + i], outputs.AsSpan(i * o, o));
                }
            },
        };
    }

    public static ModelHarness Features<TModel, TState, TTarget>(string name, TModel model, float[] inputs, TTarget[] targets)
        where TModel : IRnnModel<float, TTarget>, IFeatureStreamingModel<TState>
        where TState : IRecurrentState
        where TTarget : unmanaged
    {
        int t = model.SequenceLength, o = model.OutputSize, f = model.InputSize;
        return new ModelHarness(name, model)
        {
            Forward = outputs => model.Forward(inputs, outputs),
            TrainStep = () => model.TrainStep(inputs, targets),
            Evaluate = () => model.Evaluate(inputs, targets),
            Stream = (entry, outputs) =>
            {
                using TState state = model.NewState();
                for (int i = 0; i < t; i++)
                {
                    model.Step(state, inputs.AsSpan(((entry * t) + i) * f, f), outputs.AsSpan(i * o, o));
                }
            },
        };
    }
}
