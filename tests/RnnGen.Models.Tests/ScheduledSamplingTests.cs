using System;
using System.Linq;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>Teacher forcing, free running and scheduled sampling on a generated token model.</summary>
public sealed class ScheduledSamplingTests
{
    [Fact]
    public void TeacherForcing_KeepsTheGroundTruth()
    {
        var (h, fixture) = FixtureModelsCatalog.Load("Lstm1.ragged");
        using (h)
        {
            var model = (Lstm1)h.Model;
            using var chooser = new ScheduledSampling<Lstm1.State>(model, new RandomSource(1));
            int[] teacher = fixture.TokenInputs;
            var chosen = new int[teacher.Length];
            Assert.Equal(0, chooser.ChooseInputs(teacher, fixture.Lengths, 1.0, chosen));
            Assert.Equal(teacher, chosen);
        }
    }

    /// <summary>
    /// Free running with temperature 0: every input after the first is the argmax of the model's
    /// output at the step before, which a Forward over the chosen inputs confirms, from the batch's
    /// (non-zero) initial states and with sequences of different lengths.
    /// </summary>
    [Fact]
    public void FreeRunning_FeedsBackTheModelsOwnOutputs()
    {
        var (h, fixture) = FixtureModelsCatalog.Load("Lstm1.ragged");
        using (h)
        {
            var model = (Lstm1)h.Model;
            using var chooser = new ScheduledSampling<Lstm1.State>(model, new RandomSource(1)) { Temperature = 0 };
            int[] teacher = fixture.TokenInputs, lengths = fixture.Lengths!;
            var chosen = new int[teacher.Length];
            int sampled = chooser.ChooseInputs(teacher, lengths, 0.0, chosen);
            Assert.Equal(lengths.Sum(l => Math.Max(0, l - 1)), sampled);

            var outputs = new float[h.OutputCount];
            model.Forward(chosen, lengths, outputs);
            const int t = Lstm1.SequenceLength, o = Lstm1.OutputSize;
            for (int b = 0; b < Lstm1.BatchSize; b++)
            {
                Assert.Equal(teacher[b * t], chosen[b * t]);
                for (int step = 1; step < lengths[b]; step++)
                {
                    int expected = Sampling.Argmax(outputs.AsSpan(((b * t) + step - 1) * o, o));
                    Assert.Equal(expected, chosen[(b * t) + step]);
                }

                for (int step = lengths[b]; step < t; step++)
                {
                    Assert.Equal(teacher[(b * t) + step], chosen[(b * t) + step]);
                }
            }
        }
    }

    [Fact]
    public void ScheduledSampling_TakesTheModelsSampleWithTheComplementaryProbability()
    {
        using var model = new Gru2(seed: 4);
        using var chooser = new ScheduledSampling<Gru2.State>(model, new RandomSource(9));
        var random = new Random(3);
        int[] teacher = Enumerable.Range(0, Gru2.BatchSize * Gru2.SequenceLength).Select(_ => random.Next(Gru2.InputSize)).ToArray();
        var chosen = new int[teacher.Length];
        int eligible = Gru2.BatchSize * (Gru2.SequenceLength - 1), rounds = 400, sampled = 0;
        for (int i = 0; i < rounds; i++)
        {
            sampled += chooser.ChooseInputs(teacher, default, 0.75, chosen);
        }

        double fraction = sampled / (double)(eligible * rounds), sigma = Math.Sqrt(0.25 * 0.75 / (eligible * rounds));
        Assert.True(Math.Abs(fraction - 0.25) <= 5 * sigma, $"sampled fraction {fraction:F4}, expected 0.25");

        long before = GC.GetAllocatedBytesForCurrentThread();
        chooser.ChooseInputs(teacher, default, 0.5, chosen);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ModelsWhoseOutputsAreNotInputs_AreRejected_AndSchedulesDecay()
    {
        using var classifier = new LstmLast();
        Assert.Throws<ArgumentException>(() => new ScheduledSampling<LstmLast.State>(classifier, new RandomSource(1)));
        using var model = new Gru2();
        using var chooser = new ScheduledSampling<Gru2.State>(model, new RandomSource(1));
        var tokens = new int[Gru2.BatchSize * Gru2.SequenceLength];
        Assert.Throws<ArgumentOutOfRangeException>(() => chooser.ChooseInputs(tokens, default, 1.5, tokens));
        Assert.Throws<ArgumentException>(() => chooser.ChooseInputs(tokens, new[] { 1 }, 0.5, tokens));

        Assert.Equal(0.5, TeacherForcingSchedule.Linear(10, 0.05), 12);
        Assert.Equal(0.1, TeacherForcingSchedule.Linear(100, 0.05, floor: 0.1), 12);
        Assert.Equal(0.25, TeacherForcingSchedule.Exponential(2, 0.5), 12);
        Assert.Equal(10.0 / 11.0, TeacherForcingSchedule.InverseSigmoid(0, 10), 12);
        Assert.True(TeacherForcingSchedule.InverseSigmoid(100, 10) < 0.001);
    }
}
