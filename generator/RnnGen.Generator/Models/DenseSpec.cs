namespace RnnGen.Generator.Models;

/// <summary>The dense head. Must stay cacheable: plain values only.</summary>
/// <param name="Name">Parameter-name prefix.</param>
/// <param name="Outputs">Output features per time step (or per sequence, with a many-to-one readout).</param>
/// <param name="Readout">Which hidden states of the last recurrent layer the head reads.</param>
internal sealed record DenseSpec(string Name, int Outputs, Readout Readout);

/// <summary>Which hidden states the head reads (mirrors <c>RnnGen.RnnReadout</c>).</summary>
internal enum Readout
{
    /// <summary>Every time step: one output row per step.</summary>
    EveryStep = 0,

    /// <summary>Each sequence's last real step: one output row per sequence.</summary>
    LastStep = 1,

    /// <summary>The mean over each sequence's real steps: one output row per sequence.</summary>
    Mean = 2,
}

/// <summary>The training loss.</summary>
internal enum LossKind
{
    /// <summary>Softmax cross entropy, mean over batch × time, integer targets.</summary>
    SoftmaxCrossEntropy,

    /// <summary>Mean squared error, mean over every output element, float targets.</summary>
    MeanSquaredError,
}
