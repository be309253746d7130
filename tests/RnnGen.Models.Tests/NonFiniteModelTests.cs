using System;
using System.Linq;
using RnnGen.Optimizers;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// A NaN or an infinity in any input is refused where it enters, by position, and a non-finite loss
/// or gradient stops a training step: nothing the model keeps is poisoned.
/// </summary>
public sealed class NonFiniteModelTests
{
    private static float[] Values(IRnnModel model) => model.Parameters.SelectMany(p => p.Value.ToArray()).ToArray();

    private static float[] Gradients(IRnnModel model) => model.Parameters.SelectMany(p => p.Gradient.ToArray()).ToArray();

    private static float[] Filled(int length, int seed)
    {
        var random = new RandomSource((ulong)seed);
        return Enumerable.Range(0, length).Select(_ => random.NextUniform(-1f, 1f)).ToArray();
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void FeatureInputs_WithANonFiniteValue_AreRefusedByPosition_InEveryBatchCall(float poison)
    {
        const int b = Lstm3Mse.BatchSize, t = Lstm3Mse.SequenceLength, i = Lstm3Mse.InputSize, o = Lstm3Mse.OutputSize;
        using var model = new Lstm3Mse(seed: 1);
        float[] inputs = Filled(b * t * i, 2), targets = Filled(b * t * o, 3);
        model.TrainStep(inputs, targets);
        float[] values = Values(model), gradients = Gradients(model);

        inputs[(1 * t * i) + (2 * i) + 3] = poison;
        string where = $"inputs[{(1 * t * i) + (2 * i) + 3}] (sequence 1, step 2, feature 3)";
        Assert.Contains(where, Assert.Throws<ArgumentException>(() => model.TrainStep(inputs, targets)).Message, StringComparison.Ordinal);
        Assert.Contains(where, Assert.Throws<ArgumentException>(() => model.Evaluate(inputs, targets)).Message, StringComparison.Ordinal);
        Assert.Contains(where, Assert.Throws<ArgumentException>(() => model.Forward(inputs, new float[b * t * o])).Message, StringComparison.Ordinal);
        Assert.Equal(values, Values(model));
        Assert.Equal(gradients, Gradients(model));

        // Padding is never read, so a NaN there is no error.
        int[] lengths = [t, 2];
        model.TrainStep(inputs, lengths, targets);
        Assert.True(Gradients(model).All(float.IsFinite));
    }

    [Fact]
    public void FloatTargets_WithANonFiniteValue_AreRefusedByPosition()
    {
        using var synced = new Lstm3Mse(seed: 1);
        float[] inputs = Filled(Lstm3Mse.BatchSize * Lstm3Mse.SequenceLength * Lstm3Mse.InputSize, 2);
        float[] targets = Filled(Lstm3Mse.BatchSize * Lstm3Mse.SequenceLength * Lstm3Mse.OutputSize, 3);
        targets[(1 * Lstm3Mse.SequenceLength * Lstm3Mse.OutputSize) + 5] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() => synced.TrainStep(inputs, targets));
        Assert.Contains("(sequence 1, step 1, output 1)", error.Message, StringComparison.Ordinal);
        Assert.Equal("targets", error.ParamName);

        using var mean = new GruMean(seed: 1);
        float[] meanInputs = Filled(GruMean.BatchSize * GruMean.SequenceLength * GruMean.InputSize, 4);
        float[] meanTargets = Filled(GruMean.BatchSize * GruMean.OutputSize, 5);
        meanTargets[(2 * GruMean.OutputSize) + 1] = float.PositiveInfinity;
        Assert.Contains("(sequence 2, output 1)", Assert.Throws<ArgumentException>(() => mean.Evaluate(meanInputs, meanTargets)).Message, StringComparison.Ordinal);

        // A sequence of length 0 has no loss: its target is not read.
        Assert.True(double.IsFinite(mean.Evaluate(meanInputs, [4, 4, 0], meanTargets)));
    }

    [Fact]
    public void Step_WithANonFiniteInput_IsRefused_AndTheStreamContinuesAsIfNotCalled()
    {
        using var model = new Lstm3Mse(seed: 7);
        using var a = model.NewState();
        using var b = model.NewState();
        float[] x = Filled(Lstm3Mse.InputSize, 1), ya = new float[Lstm3Mse.OutputSize], yb = new float[Lstm3Mse.OutputSize];
        model.Step(a, x, ya);
        model.Step(b, x, yb);
        float[] bad = (float[])x.Clone();
        bad[4] = float.NaN;
        Assert.Contains("input[4] is NaN", Assert.Throws<ArgumentException>(() => model.Step(a, bad, ya)).Message, StringComparison.Ordinal);
        model.Step(a, x, ya);
        model.Step(b, x, yb);
        Assert.Equal(yb, ya);

        using var streams = model.NewStreams(3);
        float[] many = Filled(3 * Lstm3Mse.InputSize, 2);
        many[(2 * Lstm3Mse.InputSize) + 1] = float.NegativeInfinity;
        Assert.Contains("(stream 2, feature 1)", Assert.Throws<ArgumentException>(() => model.Step(streams, many, new float[3 * Lstm3Mse.OutputSize])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MemoryAndConditions_WithANonFiniteValue_AreRefused()
    {
        using var decoder = new AttnDecoder(seed: 1);
        int[] tokens = new int[AttnDecoder.BatchSize * AttnDecoder.SequenceLength];
        Filled(AttnDecoder.BatchSize * AttnDecoder.MemoryLength * AttnDecoder.MemorySize, 3).CopyTo(decoder.Memory);
        decoder.MemoryLengths.Fill(AttnDecoder.MemoryLength);
        decoder.MemoryLengths[1] = 2;
        decoder.Memory[(1 * AttnDecoder.MemoryLength * AttnDecoder.MemorySize) + (4 * AttnDecoder.MemorySize)] = float.NaN; // past sequence 1's length: not read
        decoder.Forward(tokens, new float[AttnDecoder.BatchSize * AttnDecoder.SequenceLength * AttnDecoder.OutputSize]);
        decoder.Memory[(2 * AttnDecoder.MemoryLength * AttnDecoder.MemorySize) + 9] = float.NaN;
        Assert.Contains("(sequence 2, row 1, feature 2)", Assert.Throws<InvalidOperationException>(() => decoder.Forward(tokens, new float[AttnDecoder.BatchSize * AttnDecoder.SequenceLength * AttnDecoder.OutputSize])).Message, StringComparison.Ordinal);
        using (var state = decoder.NewState())
        {
            float[] memory = Filled(AttnDecoder.MemoryLength * AttnDecoder.MemorySize, 4);
            memory[AttnDecoder.MemorySize + 3] = float.PositiveInfinity;
            Assert.Contains("(row 1, feature 3)", Assert.Throws<ArgumentException>(() => decoder.SetMemory(state, memory, 3)).Message, StringComparison.Ordinal);
            decoder.SetMemory(state, memory, 1); // the infinity is past the length
        }

        using var conditioned = new CondLstm(seed: 1);
        int[] condTokens = new int[CondLstm.BatchSize * CondLstm.SequenceLength];
        conditioned.Conditions[(2 * CondLstm.ConditionSize) + 1] = float.NaN;
        Assert.Contains("(sequence 2, feature 1)", Assert.Throws<InvalidOperationException>(() => conditioned.Evaluate(condTokens, condTokens)).Message, StringComparison.Ordinal);
        using var condState = conditioned.NewState();
        Assert.Throws<ArgumentException>(() => conditioned.InitialiseState(condState, new[] { 0f, float.NaN, 0f, 0f }));
    }

    [Fact]
    public void TrainStep_WithANonFiniteLoss_Throws_BeforeTouchingTheGradients()
    {
        using var model = new Lstm3Mse(seed: 1);
        float[] inputs = Filled(Lstm3Mse.BatchSize * Lstm3Mse.SequenceLength * Lstm3Mse.InputSize, 2);
        float[] targets = Filled(Lstm3Mse.BatchSize * Lstm3Mse.SequenceLength * Lstm3Mse.OutputSize, 3);
        model.TrainStep(inputs, targets);
        float[] values = Values(model), gradients = Gradients(model);

        targets.AsSpan().Fill(3e38f); // (y − t)² overflows
        var error = Assert.Throws<NonFiniteException>(() => model.TrainStep(inputs, targets));
        Assert.Null(error.TensorName);
        Assert.Contains("The loss is", error.Message, StringComparison.Ordinal);
        Assert.Equal(values, Values(model));
        Assert.Equal(gradients, Gradients(model));
    }

    [Fact]
    public void TrainStep_WithAFiniteLossButAnOverflowingBackwardPass_NamesTheGradient()
    {
        // Every LSTM parameter 0 makes h = 0, so the output is the head's bias (0) and the loss is a
        // finite 10⁶; but the head's weights of 3·10³⁸ overflow d(loss)/dh on the way back.
        using var model = new Lstm3Mse(seed: 1);
        foreach (Parameter p in model.Parameters)
        {
            p.Value.Fill(p.Name == "dense.weight" ? 3e38f : 0f);
        }

        float[] inputs = Filled(Lstm3Mse.BatchSize * Lstm3Mse.SequenceLength * Lstm3Mse.InputSize, 2);
        float[] targets = Enumerable.Repeat(1000f, Lstm3Mse.BatchSize * Lstm3Mse.SequenceLength * Lstm3Mse.OutputSize).ToArray();
        Assert.Equal(1e6, model.Evaluate(inputs, targets));
        var error = Assert.Throws<NonFiniteException>(() => model.TrainStep(inputs, targets));
        Assert.NotNull(error.TensorName);
        Assert.StartsWith("lstm.", error.TensorName, StringComparison.Ordinal);

        // The optimizer would refuse these gradients too, leaving everything as it is.
        float[] values = Values(model);
        using var adam = new Adam(model.Parameters);
        Assert.False(adam.Step());
        Assert.Equal(values, Values(model));
    }

    [Fact]
    public void Divergence_FromAHugeLearningRate_IsReported_AndNeverReachesTheWeights()
    {
        // lr = 10³⁸: each taken step moves weights by up to 10³⁸, so within a few steps an update
        // overflows. Every step is then refused or reported; no weight and no state ever becomes
        // non-finite, and the loss stays computable.
        using var model = new CharLstm(seed: 3);
        using var sgd = new Sgd(model.Parameters, learningRate: 1e38f, momentum: 0.5f);
        var random = new RandomSource(4);
        int[] inputs = new int[CharLstm.BatchSize * CharLstm.SequenceLength], targets = new int[inputs.Length];
        int reported = 0;
        for (int step = 0; step < 40; step++)
        {
            for (int k = 0; k < inputs.Length; k++)
            {
                inputs[k] = random.NextInt(CharLstm.InputSize);
                targets[k] = random.NextInt(CharLstm.InputSize);
            }

            try
            {
                model.TrainStep(inputs, targets);
                sgd.Step();
            }
            catch (NonFiniteException)
            {
                reported++;
            }

            Assert.True(Values(model).All(float.IsFinite), $"a weight became non-finite at step {step}");
        }

        Assert.True(sgd.SkippedSteps + reported > 0, "an lr of 1e38 went unnoticed");
        Assert.True(sgd.StepCount > 0);
    }
}
