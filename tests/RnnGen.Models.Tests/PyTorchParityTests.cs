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
