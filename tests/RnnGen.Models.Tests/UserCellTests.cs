using System;
using RnnGen.Cells;
using RnnGen.Optimizers;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// A cell written in C# is its own reference: its Step method, run as written on the runtime's plain
/// <see cref="Units"/>, gives the states the generated kernels compute (the order of additions aside).
/// </summary>
public sealed class UserCellTests
{
    // The plain evaluation sums products in double and the kernels in float, in another order.
    private const double Bound = 2e-5;

    [Fact]
    public void Kitchen_StepAndForward_MatchTheCellsRunAsWritten()
    {
        using var model = new Kitchen(seed: 3);
        var kitchen = CellParameters.FromModel(model, "kitchen", 0);
        var top = CellParameters.FromModel(model, "top", 0);
        Assert.Equal(10, kitchen.Hidden);
        Assert.Equal(6, top.Hidden);

        var random = new Random(5);
        var inputs = new float[Kitchen.SequenceLength * Kitchen.BatchSize * Kitchen.InputSize];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)((random.NextDouble() * 4) - 2);
        }

        // Step, one stream per batch entry, against the cells run as written.
        for (int b = 0; b < Kitchen.BatchSize; b++)
        {
            using var state = model.NewState();
            Units h = new(10), m = new(10), h1 = new(6);
            var output = new float[Kitchen.OutputSize];
            for (int t = 0; t < Kitchen.SequenceLength; t++)
            {
                var x = inputs.AsSpan(((b * Kitchen.SequenceLength) + t) * Kitchen.InputSize, Kitchen.InputSize);
                model.Step(state, x, output);
                KitchenCell.Step(new Units(x), ref h, ref m, kitchen);
                MinimalGatedUnit.Step(h, ref h1, top);
                Near(m, state.Cell(0), $"m, entry {b}, step {t}");
                Near(h, state.Hidden(0), $"h, entry {b}, step {t}");
                Near(h1, state.Hidden(1), $"top h, entry {b}, step {t}");
            }
        }

        // Forward's final states for every batch entry.
        model.Forward(inputs, new float[Kitchen.SequenceLength * Kitchen.BatchSize * Kitchen.OutputSize]);
        for (int b = 0; b < Kitchen.BatchSize; b++)
        {
            Units h = new(10), m = new(10), h1 = new(6);
            for (int t = 0; t < Kitchen.SequenceLength; t++)
            {
                KitchenCell.Step(new Units(inputs.AsSpan(((b * Kitchen.SequenceLength) + t) * Kitchen.InputSize, Kitchen.InputSize)), ref h, ref m, kitchen);
                MinimalGatedUnit.Step(h, ref h1, top);
            }

            Near(h, model.FinalHidden(0).Slice(b * 10, 10), $"final h, entry {b}");
            Near(m, model.FinalCell(0).Slice(b * 10, 10), $"final m, entry {b}");
            Near(h1, model.FinalHidden(1).Slice(b * 6, 6), $"final top h, entry {b}");
        }
    }

    [Fact]
    public void Mgu_Step_MatchesTheCellRunAsWritten()
    {
        using var model = new Mgu(seed: 7);
        var layers = new[] { CellParameters.FromModel(model, "cell", 0), CellParameters.FromModel(model, "cell", 1) };
        var embedding = model.Parameters[0];
        Assert.Equal("embedding.weight", embedding.Name);
        using var state = model.NewState();
        Units h0 = new(12), h1 = new(12);
        var output = new float[Mgu.OutputSize];
        foreach (int token in new[] { 3, 1, 4, 1, 5, 8, 2, 6, 0, 7 })
        {
            model.Step(state, token, output);
            var x = new Units(embedding.Value.Slice(token * 8, 8));
            MinimalGatedUnit.Step(x, ref h0, layers[0]);
            MinimalGatedUnit.Step(h0, ref h1, layers[1]);
            Near(h0, state.Hidden(0), $"layer 0 after token {token}");
            Near(h1, state.Hidden(1), $"layer 1 after token {token}");
        }
    }

    /// <summary>
    /// The documented example trains: three synthetic gestures (a slow sine, a fast sine, a ramp, on
    /// random channels with noise); Adam takes the cross entropy from ln 3 to a fraction of it and
    /// the model tells held-out gestures apart.
    /// </summary>
    [Fact]
    public void GestureMgu_TheDocumentedExample_Trains()
    {
        using var model = new GestureMgu(seed: 11);
        using var adam = new Adam(model.Parameters, 0.01f);
        var random = new Random(12);
        var inputs = new float[GestureMgu.BatchSize * GestureMgu.SequenceLength * GestureMgu.InputSize];
        var labels = new int[GestureMgu.BatchSize];
        void Batch()
        {
            for (int b = 0; b < GestureMgu.BatchSize; b++)
            {
                int label = random.Next(3);
                labels[b] = label;
                double phase = random.NextDouble() * 2 * Math.PI;
                for (int t = 0; t < GestureMgu.SequenceLength; t++)
                {
                    double signal = label switch
                    {
                        0 => Math.Sin(phase + (t * 0.2)),
                        1 => Math.Sin(phase + (t * 0.9)),
                        _ => (t / 16.0) - 1,
                    };
                    for (int f = 0; f < GestureMgu.InputSize; f++)
                    {
                        inputs[(((b * GestureMgu.SequenceLength) + t) * GestureMgu.InputSize) + f] = (float)((f % 2 == 0 ? signal : -signal) + (0.3 * ((random.NextDouble() * 2) - 1)));
                    }
                }
            }
        }

        float first = 0, last = 0;
        for (int step = 0; step < 150; step++)
        {
            Batch();
            float loss = model.TrainStep(inputs, labels);
            adam.Step();
            first = step == 0 ? loss : first;
            last = step >= 140 ? last + (loss / 10) : last;
        }

        Assert.InRange(first, 0.9f, 1.3f);
        Assert.True(last < 0.25f * first, $"the loss went from {first} to {last} only");

        Batch();
        var logits = new float[GestureMgu.BatchSize * GestureMgu.OutputSize];
        model.Forward(inputs, logits);
        int correct = 0;
        for (int b = 0; b < GestureMgu.BatchSize; b++)
        {
            var row = logits.AsSpan(b * 3, 3);
            int predicted = row[0] >= row[1] && row[0] >= row[2] ? 0 : row[1] >= row[2] ? 1 : 2;
            correct += predicted == labels[b] ? 1 : 0;
        }

        Assert.True(correct >= 14, $"{correct} of 16 held-out gestures right");
    }

    private static void Near(Units expected, ReadOnlySpan<float> actual, string what)
    {
        double error = Tolerance.RelativeError(actual, expected.AsSpan());
        Assert.True(error <= Bound, $"{what}: relative error {error:E2} exceeds {Bound:E0}");
    }
}
