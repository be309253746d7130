using System;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>Once warm (see <see cref="Allocations"/>), the hot paths allocate nothing on the GC heap.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Forward_TrainStep_Step_AllocateNothing()
    {
        var fixture = Fixture.Load("CharLstm");
        using var model = new CharLstm(seed: 3);
        int[] inputs = fixture.TokenInputs;
        int[] targets = fixture.ClassTargets;
        var outputs = new float[CharLstm.BatchSize * CharLstm.SequenceLength * CharLstm.OutputSize];
        var stepOutput = new float[CharLstm.OutputSize];
        using var state = model.NewState();

        int call = 0;
        Assert.Equal(0, Allocations.AfterWarmUp(() =>
        {
            model.Forward(inputs, outputs);
            model.TrainStep(inputs, targets);
            model.Step(state, inputs[call++ % inputs.Length], stepOutput);
        }));
    }

    [Fact]
    public void FloatInputModel_AllocatesNothing()
    {
        var fixture = Fixture.Load("Gru1Mse");
        using var model = new Gru1Mse(seed: 3);
        float[] inputs = fixture.FloatInputs;
        float[] targets = fixture.FloatTargets;
        var outputs = new float[Gru1Mse.BatchSize * Gru1Mse.SequenceLength * Gru1Mse.OutputSize];
        var stepOutput = new float[Gru1Mse.OutputSize];
        using var state = model.NewState();

        Assert.Equal(0, Allocations.AfterWarmUp(() =>
        {
            model.Forward(inputs, outputs);
            model.TrainStep(inputs, targets);
            model.Step(state, inputs.AsSpan(0, Gru1Mse.InputSize), stepOutput);
        }));
    }
}
