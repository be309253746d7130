using System;
using System.Linq;
using RnnGen;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>DropoutStack without its dropout: the same parameters under the same names.</summary>
[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Embedding(Vocabulary = 9, Dimensions = 6)]
[Lstm(Hidden = 10, Layers = 2)]
[Gru(Hidden = 7)]
[Dense(Outputs = 9)]
[SoftmaxCrossEntropy]
public partial class DropoutStackPlain;

/// <summary>
/// Dropout ([Dropout] and a recurrent attribute's Dropout). PyTorch parity, gradient checks,
/// streaming and threading run over the dropout fixtures with every other fixture; these are the
/// properties particular to dropout: which passes drop, and where the masks come from.
/// </summary>
public sealed class DropoutTests
{
    private static readonly string[] Fixtures = ["DropoutStack", "DropoutAttn", "DropoutLast", "DropoutMean"];

    /// <summary>The masks RnnGen draws are bit for bit the ones the fixture script computed in Python.</summary>
    [Fact]
    public void Masks_MatchTheFixtureScript()
    {
        int sites = 0;
        foreach (string name in Fixtures)
        {
            var fixture = Fixture.Load(name);
            for (int site = 0; site < 8; site++)
            {
                if (!fixture.Has($"dropout.mask{site}"))
                {
                    continue;
                }

                float[] expected = fixture.Tensor($"dropout.mask{site}");
                uint threshold = checked((uint)fixture.Int64Tensor($"dropout.threshold{site}")[0]);
                float scale = fixture.Tensor($"dropout.scale{site}")[0];
                var ones = Enumerable.Repeat(1f, expected.Length).ToArray();
                var mask = new float[expected.Length];
                DropoutMask.Apply(DropoutMask.Key(0, 0, site), 0, threshold, scale, ones, mask, new float[expected.Length]);
                Assert.Equal(expected, mask);
                Assert.Contains(0f, mask);
                sites++;
            }
        }

        Assert.Equal(9, sites);
    }

    /// <summary>Without dropout (Forward, Evaluate, Step in inference) the model is the same model without [Dropout], bit for bit.</summary>
    [Fact]
    public void Inference_IsTheModelWithoutDropout()
    {
        var fixture = Fixture.Load("DropoutStack");
        using var model = new DropoutStack();
        using var plain = new DropoutStackPlain();
        fixture.CopyParametersTo(model.Parameters);
        fixture.CopyParametersTo(plain.Parameters);
        int[] inputs = fixture.TokenInputs, targets = fixture.ClassTargets;
        var outputs = new float[DropoutStack.BatchSize * DropoutStack.SequenceLength * DropoutStack.OutputSize];
        var plainOutputs = new float[outputs.Length];

        model.Forward(inputs, outputs);
        plain.Forward(inputs, plainOutputs);
        Assert.Equal(plainOutputs, outputs);
        Assert.Equal(plain.Evaluate(inputs, targets), model.Evaluate(inputs, targets));
        Assert.Equal(0, model.DropoutPasses);

        // Training mode drops: different outputs, and one pass counted.
        model.Training = true;
        model.Forward(inputs, outputs);
        Assert.NotEqual(plainOutputs, outputs);
        Assert.Equal(1, model.DropoutPasses);
    }

    /// <summary>
    /// Each training pass draws new masks and counts itself; setting DropoutPasses back replays a
    /// pass exactly, loss and gradients; another seed draws other masks.
    /// </summary>
    [Fact]
    public void TrainStep_DrawsNewMasksEveryPass_AndReplaysAPass()
    {
        var fixture = Fixture.Load("DropoutStack");
        using var model = new DropoutStack();
        fixture.CopyParametersTo(model.Parameters);
        int[] inputs = fixture.TokenInputs, targets = fixture.ClassTargets;

        float first = model.TrainStep(inputs, targets);
        float[][] firstGradients = model.Parameters.Select(p => p.Gradient.ToArray()).ToArray();
        Assert.Equal(1, model.DropoutPasses);
        float second = model.TrainStep(inputs, targets);
        Assert.Equal(2, model.DropoutPasses);
        Assert.NotEqual(first, second);

        model.DropoutPasses = 0;
        Assert.Equal(first, model.TrainStep(inputs, targets));
        for (int i = 0; i < firstGradients.Length; i++)
        {
            Assert.Equal(firstGradients[i], model.Parameters[i].Gradient.ToArray());
        }

        model.DropoutPasses = 0;
        model.DropoutSeed = 1;
        Assert.NotEqual(first, model.TrainStep(inputs, targets));
    }

    [Fact]
    public void DropoutSeed_IsTheConstructorSeed_AndPassesCannotBeNegative()
    {
        using var model = new DropoutStack(seed: 42);
        Assert.Equal(42UL, model.DropoutSeed);
        Assert.False(model.Training);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.DropoutPasses = -1);
        Assert.IsAssignableFrom<IDropoutModel>(model);
        Assert.False(new DropoutStackPlain() is IDropoutModel);
    }

    /// <summary>Backward after a pass that dropped backpropagates through that pass's masks: the same gradients as TrainStep.</summary>
    [Fact]
    public void Backward_UsesTheMasksOfTheForwardPass()
    {
        var fixture = Fixture.Load("DropoutStack");
        using var model = new DropoutStack();
        fixture.CopyParametersTo(model.Parameters);
        int[] inputs = fixture.TokenInputs, targets = fixture.ClassTargets;
        int o = DropoutStack.OutputSize;

        model.TrainStep(inputs, targets);
        float[][] expected = model.Parameters.Select(p => p.Gradient.ToArray()).ToArray();

        // The same pass through Forward and Backward, with the softmax cross-entropy's gradient by hand.
        model.DropoutPasses = 0;
        model.Training = true;
        var outputs = new float[inputs.Length * o];
        model.Forward(inputs, outputs);
        var gradient = new float[outputs.Length];
        for (int r = 0; r < inputs.Length; r++)
        {
            var logits = outputs.AsSpan(r * o, o);
            float max = logits.ToArray().Max();
            double sum = 0;
            foreach (float z in logits)
            {
                sum += Math.Exp(z - max);
            }

            for (int k = 0; k < o; k++)
            {
                gradient[(r * o) + k] = (float)((Math.Exp(logits[k] - max) / sum) - (k == targets[r] ? 1 : 0)) / inputs.Length;
            }
        }

        model.Backward(gradient);
        for (int i = 0; i < expected.Length; i++)
        {
            Tolerance.AssertClose(model.Parameters[i].Gradient, expected[i], 1e-5, model.Parameters[i].Name);
        }
    }

    [Fact]
    public void TrainingPasses_AllocateNothing()
    {
        var fixture = Fixture.Load("DropoutStack");
        using var model = new DropoutStack(seed: 3) { Threads = 2 };
        int[] inputs = fixture.TokenInputs, targets = fixture.ClassTargets;
        var outputs = new float[DropoutStack.BatchSize * DropoutStack.SequenceLength * DropoutStack.OutputSize];
        model.Training = true;
        Assert.Equal(0, Allocations.AfterWarmUp(() =>
        {
            model.Forward(inputs, outputs);
            model.Backward(outputs);
            model.TrainStep(inputs, targets);
            model.Evaluate(inputs, targets);
        }));
    }
}
