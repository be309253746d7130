using System;
using BenchmarkDotNet.Attributes;
using RnnGen.Numerics;
using RnnGen.Optimizers;

namespace RnnGen.Benchmarks;

/// <summary>
/// What the non-finite checks add to a training step of the char model (2,048 tokens, 226,945
/// parameters): the scan of every gradient after the backward pass, and Adam's step, which computes
/// each update twice (once to check that no finite value would become NaN or ±∞, once to write it).
/// Compare <see cref="AdamStep"/> with the same benchmark on a build before the checks.
/// </summary>
[MemoryDiagnoser]
public class CheckBenchmarks : IDisposable
{
    private readonly CharLstm _char = new(seed: 1);
    private readonly Adam _adam;

    public CheckBenchmarks()
    {
        var random = new RandomSource(7);
        foreach (var parameter in _char.Parameters)
        {
            var gradient = parameter.Gradient;
            for (int i = 0; i < gradient.Length; i++)
            {
                gradient[i] = 1e-3f * random.NextGaussian();
            }
        }

        // A tiny learning rate keeps the weights where they are over millions of steps.
        _adam = new Adam(_char.Parameters, 1e-12f);
    }

    [Benchmark(Description = "Gradients of the char model checked for NaN/Inf")]
    public void RequireFiniteGradients() => Finite.RequireFiniteGradients(_char.Parameters);

    [Benchmark(Description = "Adam step on the char model's parameters")]
    public void AdamStep() => _adam.Step();

    public void Dispose()
    {
        _adam.Dispose();
        _char.Dispose();
        GC.SuppressFinalize(this);
    }
}
