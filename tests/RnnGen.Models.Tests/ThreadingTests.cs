using System;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// Splitting a batch between threads changes nothing: every product is split by rows, never along
/// its reduction, so outputs, losses and gradients are bit-for-bit those of one thread.
/// </summary>
public sealed class ThreadingTests
{
    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void TwoAndThreeThreads_GiveTheBitsOfOne(string model)
    {
        var reference = Run(model, threads: 1);
        foreach (int threads in new[] { 2, 3 })
        {
            var other = Run(model, threads);
            Assert.Equal(reference.Outputs, other.Outputs);
            Assert.Equal(reference.Loss, other.Loss);
            Assert.Equal(reference.Evaluated, other.Evaluated);
            Assert.Equal(reference.Gradients.Length, other.Gradients.Length);
            for (int i = 0; i < reference.Gradients.Length; i++)
            {
                Assert.Equal(reference.Gradients[i], other.Gradients[i]);
            }
        }
    }

    [Fact]
    public void Threads_IsValidatedAndCanGoBackToOne()
    {
        using var model = new CharLstm(seed: 1);
        Assert.Equal(1, model.Threads);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Threads = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Threads = 65);
        model.Threads = 2;
        Assert.Equal(2, model.Threads);
        model.Threads = 1;
        Assert.Equal(1, model.Threads);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Threads = 2);
    }

    [Fact]
    public void TwoThreads_TrainStepAllocatesNothing()
    {
        var fixture = Fixture.Load("CharLstm");
        int[] inputs = fixture.TokenInputs;
        int[] targets = fixture.ClassTargets;
        using var model = new CharLstm(seed: 3) { Threads = 2 };
        var outputs = new float[CharLstm.BatchSize * CharLstm.SequenceLength * CharLstm.OutputSize];
        Assert.Equal(0, Allocations.AfterWarmUp(() =>
        {
            model.TrainStep(inputs, targets);
            model.Forward(inputs, outputs);
        }, runs: 5));
    }

    private static (float[] Outputs, float Loss, double Evaluated, float[][] Gradients) Run(string model, int threads)
    {
        var (h, _) = FixtureModelsCatalog.Load(model);
        using (h)
        {
            h.Model.Threads = threads;
            var outputs = new float[h.OutputCount];
            h.Forward(outputs);
            float loss = h.TrainStep();
            double evaluated = h.Evaluate();
            var gradients = new float[h.Model.Parameters.Count][];
            for (int i = 0; i < gradients.Length; i++)
            {
                gradients[i] = h.Model.Parameters[i].Gradient.ToArray();
            }

            return (outputs, loss, evaluated, gradients);
        }
    }
}
