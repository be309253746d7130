using System;
using System.Collections.Generic;

namespace RnnGen.SideBySide;

/// <summary>
/// One implementation of a row: the call that is timed, and a way to see what it computed, so that
/// the harness can check that every implementation of a row performs the same computation.
/// </summary>
/// <remarks>
/// The row's inputs are set up when the contender is built; <see cref="Run"/> does one unit of
/// work on them (one step, one forward pass, one training step) and allocates nothing that a
/// competent user of that library would avoid.
/// </remarks>
internal abstract class Contender : IDisposable
{
    /// <summary>Initialises the contender with the name shown in the table.</summary>
    /// <param name="name">For example "RnnGen" or "ONNX Runtime".</param>
    protected Contender(string name) => Name = name;

    /// <summary>The name shown in the table.</summary>
    public string Name { get; }

    /// <summary>
    /// For a contender that computes the row with rounded weights (RnnGen's compact inference weights):
    /// the agreement it must reach, relative to the largest of RnnGen's float32 values. Otherwise
    /// <see langword="null"/>, and the absolute tolerance of an exact computation applies.
    /// </summary>
    public double? RelativeTolerance { get; init; }

    /// <summary>One timed call.</summary>
    public abstract void Run();

    /// <summary>
    /// Called before each warm-up and each timed sample, outside the timing; the result is disposed
    /// after it. TorchSharp sets its thread count here and enters <c>no_grad</c>.
    /// </summary>
    /// <returns>A scope to dispose after the sample, or <see langword="null"/>.</returns>
    public virtual IDisposable? BeginSample() => null;

    /// <summary>
    /// Computes what the row computes from the initial state and returns it, for comparison with
    /// RnnGen's. The default runs <paramref name="calls"/> calls from a reset state and concatenates
    /// the outputs of each (so a step row also checks that the state is carried).
    /// </summary>
    /// <param name="calls">How many calls to make.</param>
    /// <returns>Named arrays: the same names, lengths and order in every contender of a row.</returns>
    public virtual IReadOnlyList<(string What, float[] Values)> Check(int calls)
    {
        using var scope = BeginSample();
        Reset();
        var values = new List<float>();
        for (int i = 0; i < calls; i++)
        {
            Run();
            values.AddRange(Output());
        }

        Reset();
        string what = calls == 1 ? "outputs" : $"outputs of {calls} steps";
        return [(what, values.ToArray())];
    }

    /// <summary>Sets the carried state (if any) back to zero.</summary>
    protected virtual void Reset()
    {
    }

    /// <summary>A copy of the outputs of the most recent <see cref="Run"/>.</summary>
    /// <returns>The outputs, in the row's layout ([batch, time, outputs]).</returns>
    protected abstract float[] Output();

    /// <summary>Frees what the contender holds.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees what the contender holds.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>A contender made of delegates: RnnGen's generated models, whose types differ per row.</summary>
internal sealed class DelegateContender : Contender
{
    private readonly Action _run;
    private readonly Action? _reset;
    private readonly Func<float[]> _output;
    private readonly Func<int, IReadOnlyList<(string What, float[] Values)>>? _check;
    private readonly IDisposable[] _owned;

    /// <summary>Builds a contender from its parts.</summary>
    /// <param name="name">The name shown in the table.</param>
    /// <param name="run">One timed call.</param>
    /// <param name="reset">Zeroes the carried state, if there is one.</param>
    /// <param name="output">A copy of the most recent outputs.</param>
    /// <param name="owned">What to dispose with the contender (models, states, optimizers).</param>
    /// <param name="check">Replaces the default check (used by the training rows).</param>
    public DelegateContender(string name, Action run, Action? reset, Func<float[]> output, IDisposable[] owned,
        Func<int, IReadOnlyList<(string What, float[] Values)>>? check = null)
        : base(name)
    {
        _run = run;
        _reset = reset;
        _output = output;
        _owned = owned;
        _check = check;
    }

    /// <inheritdoc/>
    public override void Run() => _run();

    /// <inheritdoc/>
    public override IReadOnlyList<(string What, float[] Values)> Check(int calls) => _check is null ? base.Check(calls) : _check(calls);

    /// <inheritdoc/>
    protected override void Reset() => _reset?.Invoke();

    /// <inheritdoc/>
    protected override float[] Output() => _output();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // In reverse order of creation: states before their models.
            for (int i = _owned.Length - 1; i >= 0; i--)
            {
                _owned[i].Dispose();
            }
        }
    }
}
