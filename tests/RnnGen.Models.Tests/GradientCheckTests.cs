using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Models.Tests;

/// <summary>
/// Central-difference checks of backpropagation through time: d(loss)/dθ from TrainStep against
/// difference quotients of the loss (from Evaluate, in double precision) for every parameter entry
/// of the small models: every cell type, stacked layers, embedding, dense head and both losses,
/// from freshly seeded parameters.
/// </summary>
/// <remarks>
/// <para>The models compute in float32, so every loss carries the forward pass's rounding (about
/// 1e-7 of L), and a quotient D(ε) = (L(θ + ε) − L(θ − ε)) / 2ε carries that divided by 2ε besides
/// its truncation error ε²/6·L‴. For smooth cells (sigmoid, tanh) Richardson extrapolation,
/// R = (4·D(ε/2) − D(ε)) / 3, cancels the ε² term, which allows a large step, ε = 0.1, and so
/// little rounding. A ReLU is not differentiable at 0 and a quotient across a kink measures no
/// derivative, so the ReLU model uses plain D(ε) with ε = 1e-3: a small interval holds few kinks,
/// and its error bar also takes the gap between the one-sided quotients (L(θ + ε) − L(θ)) / ε and
/// (L(θ) − L(θ − ε)) / ε, which is ε·L″ on a smooth stretch but the whole jump of the derivative
/// when a kink lies anywhere in the interval.</para>
/// <para>Each estimate's own error is estimated from the data, as is usual with Richardson
/// extrapolation: u = |D(ε) − D(ε/2)| (three times the textbook estimate |R − D(ε/2)|) captures the
/// remaining truncation, the rounding, and any kink inside the interval. An entry passes when
/// |estimate − analytic| ≤ 1e-2·max|g| + u, max|g| over its tensor. u depends only on loss values,
/// never on the gradient under test, so it cannot absorb a wrong gradient; it matters only where
/// float32 cannot resolve a gradient to 1e-2 (measured: the bottom recurrent weights of the
/// 3-layer LSTM, max|g| = 1.1e-4).</para>
/// <para>A wrong gradient is off by order one: <see cref="Checker_DetectsAFivePercentError"/> and
/// <see cref="Checker_DetectsAMissingGradient_EvenWhereItIsTiny"/> show the check failing.</para>
/// </remarks>
public sealed class GradientCheckTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-2;

    /// <summary>
    /// The small models, every parameter entry. The larger fixture models (CharLstm, RnnWide, Gru3,
    /// LstmRelu) are covered by PyTorchParityTests.
    /// </summary>
    public static IEnumerable<object[]> SmallModels() =>
        new[]
        {
            "RnnTanh", "RnnRelu2", "Lstm1", "Lstm3Mse", "Gru2", "Gru1Mse", "Mixed", "Lstm40", "Tiny", "LstmLast", "GruMean", "CondLstm", "AttnDecoder",
            "DropoutStack", "DropoutAttn", "DropoutLast", "DropoutMean", "LstmPeephole", "LstmCoupled", "GruResetBefore", "Mut", "Mut1Features", "Mgu", "Kitchen", "LstmProj", "LstmPeepholeProj", "CondProj",
            "RnnRelu2.ragged", "Lstm1.ragged", "Gru2.ragged", "Mixed.ragged", "LstmLast.ragged", "GruMean.ragged",
            "RationalLstm1", "RationalGru2", "RationalCondLstm", "RationalAttnDecoder", "RationalLstm40", "RationalMixed.ragged",
        }.Select(name => new object[] { name });

    /// <summary>
    /// Every parameter entry; for the ragged fixtures (sequences of different lengths, random
    /// initial states, a downstream loss on the final states) every entry of the initial state too,
    /// for a conditioned model every entry of the conditioning vectors, and for an attention decoder
    /// every entry of the memory.
    /// </summary>
    [Theory]
    [MemberData(nameof(SmallModels))]
    public void EveryParameterEntry_MatchesCentralDifferences(string model)
    {
        var fixture = Fixture.Load(model);
        using var h = FixtureModelsCatalog.Create(model, fixture);
        h.Model.ResetParameters(1234);
        fixture.CopyStatesTo(h.Model);
        h.TrainStep();
        var checks = new List<(string Name, Func<Span<float>> Values, float[] Analytic)>();
        foreach (var p in h.Model.Parameters)
        {
            checks.Add((p.Name, () => p.Value, p.Gradient.ToArray()));
        }

        if (h.Lengths is not null)
        {
            for (int layer = 0; layer < h.Model.LayerCount; layer++)
            {
                int l = layer;
                checks.Add(($"initial h of layer {l}", () => h.Model.InitialHidden(l), h.Model.InitialHiddenGradient(l).ToArray()));
                if (h.Model.HasCellState(l))
                {
                    checks.Add(($"initial c of layer {l}", () => h.Model.InitialCell(l), h.Model.InitialCellGradient(l).ToArray()));
                }
            }
        }

        if (h.Model is IAttentionModel attention)
        {
            checks.Add(("memory", () => attention.Memory, attention.MemoryGradient.ToArray()));
        }

        if (h.Model.ConditionSize > 0)
        {
            checks.Add(("conditioning vectors", () => h.Model.Conditions, h.Model.ConditionGradient.ToArray()));
        }

        foreach (var (name, values, analytic) in checks)
        {
            var (error, uncertain) = Compare(h, values, analytic, StepsFor(model));
            output.WriteLine($"{model} {name}: max error {error:F3} of the allowed; {uncertain} of {analytic.Length} entries needed their error bar");
            Assert.True(error <= 1, $"{model} d(loss)/d({name}): an entry differs from its quotient by {error:F2} times the allowed 1e-2·max|g| + u");
        }
    }

    [Fact]
    public void Checker_DetectsAFivePercentError()
    {
        using var h = FixtureModelsCatalog.Create("Lstm1", Fixture.Load("Lstm1"));
        h.Model.ResetParameters(1234);
        h.TrainStep();
        var p = h.Model.Parameters[1];
        float[] analytic = p.Gradient.ToArray();
        int worst = IndexOfMax(analytic);
        analytic[worst] += 0.05f * Math.Abs(analytic[worst]);
        var (error, _) = Compare(h, () => p.Value, analytic, StepsFor("Lstm1"));
        Assert.True(error > 1, $"a 5% error in one element gave only {error:F2} of the allowed");
    }

    [Fact]
    public void Checker_DetectsAMissingGradient_EvenWhereItIsTiny()
    {
        using var h = FixtureModelsCatalog.Create("Lstm3Mse", Fixture.Load("Lstm3Mse"));
        h.Model.ResetParameters(1234);
        h.TrainStep();
        var p = h.Model.Parameters[1];
        Assert.Equal("lstm.weight_hh_l0", p.Name);
        var (error, _) = Compare(h, () => p.Value, new float[p.Length], StepsFor("Lstm3Mse"));
        Assert.True(error > 1, $"an all-zero gradient gave only {error:F2} of the allowed");
    }

    private static Steps StepsFor(string model) => model.StartsWith("RnnRelu2", StringComparison.Ordinal) ? new Steps(1e-3f, Richardson: false) : new Steps(1e-1f, Richardson: true);

    private sealed record Steps(float Epsilon, bool Richardson);

    /// <summary>
    /// max over the tensor of |estimate − analytic| / (1e-2·max|g| + u), where u = |D(ε) − D(ε/2)|;
    /// and how many entries passed only thanks to u.
    /// </summary>
    private static (double Error, int Uncertain) Compare(ModelHarness h, Func<Span<float>> values, float[] analytic, Steps steps)
    {
        double scale = 0;
        foreach (float g in analytic)
        {
            scale = Math.Max(scale, Math.Abs(g));
        }

        // A test of an all-zero claimed gradient still needs a scale: use the quotients'.
        bool claimedZero = scale == 0;
        double center = h.Evaluate();
        double worst = 0;
        int uncertain = 0;
        for (int i = 0; i < analytic.Length; i++)
        {
            var (wide, oneSidedGap) = Quotient(h, values, i, steps.Epsilon, center);
            var (narrow, _) = Quotient(h, values, i, steps.Epsilon / 2, center);
            double numeric = steps.Richardson ? ((4 * narrow) - wide) / 3 : wide;
            double u = steps.Richardson ? Math.Abs(wide - narrow) : Math.Max(Math.Abs(wide - narrow), oneSidedGap);
            double error = Math.Abs(numeric - analytic[i]);
            double allowed = (Tolerance * (claimedZero ? Math.Abs(numeric) : scale)) + u;
            if (error > Tolerance * scale)
            {
                uncertain++;
            }

            worst = Math.Max(worst, allowed == 0 ? 0 : error / allowed);
        }

        return (worst, uncertain);
    }

    /// <summary>
    /// (L(θ + ε) − L(θ − ε)) / 2ε for entry <paramref name="i"/>, with the step actually taken after
    /// float32 rounding; and the gap between the two one-sided quotients around L(θ) = <paramref name="center"/>.
    /// </summary>
    private static (double Central, double OneSidedGap) Quotient(ModelHarness h, Func<Span<float>> values, int i, float epsilon, double center)
    {
        float original = values()[i];
        float plus = original + epsilon, minus = original - epsilon;
        values()[i] = plus;
        double lossPlus = h.Evaluate();
        values()[i] = minus;
        double lossMinus = h.Evaluate();
        values()[i] = original;
        double forward = (lossPlus - center) / ((double)plus - original);
        double backward = (center - lossMinus) / ((double)original - minus);
        return ((lossPlus - lossMinus) / ((double)plus - minus), Math.Abs(forward - backward));
    }

    private static int IndexOfMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (Math.Abs(values[i]) > Math.Abs(values[best]))
            {
                best = i;
            }
        }

        return best;
    }
}
