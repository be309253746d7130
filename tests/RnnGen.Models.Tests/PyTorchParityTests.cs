using System;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// Generated models against PyTorch 1.13 (float64 reference, same float32 parameters): forward
/// outputs and loss within 1e-4 and every gradient within 5e-4, relative to the tensor's largest
/// magnitude. The fixtures come from tests/fixtures-src/make_fixtures.py.
/// </summary>
public sealed class PyTorchParityTests
{
    private const double OutputTolerance = 1e-4;
    private const double GradientTolerance = 5e-4;

    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void Forward_MatchesPyTorch(string model)
    {
        var (h, fixture) = FixtureModelsCatalog.Load(model);
        using (h)
        {
            var outputs = new float[h.OutputCount];
            h.Forward(outputs);
            Tolerance.AssertClose(outputs, fixture.Output, OutputTolerance, model + " outputs");
        }
    }

    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void TrainStep_LossAndEveryGradientMatchPyTorch(string model)
    {
        var (h, fixture) = FixtureModelsCatalog.Load(model);
        using (h)
        {
            float loss = h.TrainStep();
            Assert.True(Math.Abs(loss - fixture.Loss) <= OutputTolerance * Math.Abs(fixture.Loss), $"{model}: loss {loss} vs PyTorch {fixture.Loss}");
            foreach (var p in h.Model.Parameters)
            {
                Tolerance.AssertClose(p.Gradient, fixture.Gradient(p.Name), GradientTolerance, $"{model} d(loss)/d({p.Name})");
            }
        }
    }

    public static System.Collections.Generic.IEnumerable<object[]> Ragged()
    {
        foreach (string name in FixtureModelsCatalog.Names)
        {
            if (name.EndsWith(".ragged", StringComparison.Ordinal))
            {
                yield return [name];
            }
        }
    }

    /// <summary>
    /// Sequences of different lengths from random initial states, with gradients of a downstream
    /// loss on the final states: the final states (after each sequence's last real step) and
    /// d(loss)/d(initial state) match PyTorch. The parameter gradients are checked by
    /// <see cref="TrainStep_LossAndEveryGradientMatchPyTorch"/> on the same fixtures.
    /// </summary>
    [Theory]
    [MemberData(nameof(Ragged))]
    public void Ragged_FinalStatesAndInitialStateGradientsMatchPyTorch(string model)
    {
        var (h, fixture) = FixtureModelsCatalog.Load(model);
        using (h)
        {
            h.TrainStep();
            for (int layer = 0; layer < h.Model.LayerCount; layer++)
            {
                Tolerance.AssertClose(h.Model.FinalHidden(layer), fixture.Tensor($"hT.{layer}"), OutputTolerance, $"{model} final h of layer {layer}");
                Tolerance.AssertClose(h.Model.InitialHiddenGradient(layer), fixture.Tensor($"dh0.{layer}"), GradientTolerance, $"{model} d/d(h0) of layer {layer}");
                if (h.Model.HasCellState(layer))
                {
                    Tolerance.AssertClose(h.Model.FinalCell(layer), fixture.Tensor($"cT.{layer}"), OutputTolerance, $"{model} final c of layer {layer}");
                    Tolerance.AssertClose(h.Model.InitialCellGradient(layer), fixture.Tensor($"dc0.{layer}"), GradientTolerance, $"{model} d/d(c0) of layer {layer}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(FixtureModelsCatalog.All), MemberType = typeof(FixtureModelsCatalog))]
    public void TrainStep_OverwritesGradients_UnlessAccumulating(string model)
    {
        var (h, fixture) = FixtureModelsCatalog.Load(model);
        using (h)
        {
            h.TrainStep();
            h.TrainStep();
            foreach (var p in h.Model.Parameters)
            {
                Tolerance.AssertClose(p.Gradient, fixture.Gradient(p.Name), GradientTolerance, $"{model} d(loss)/d({p.Name}) after two steps");
            }

            h.Model.AccumulateGradients = true;
            h.TrainStep();
            foreach (var p in h.Model.Parameters)
            {
                float[] doubled = Array.ConvertAll(fixture.Gradient(p.Name), v => 2 * v);
                Tolerance.AssertClose(p.Gradient, doubled, GradientTolerance, $"{model} accumulated d(loss)/d({p.Name})");
            }
        }
    }
}
