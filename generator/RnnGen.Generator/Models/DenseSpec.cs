namespace RnnGen.Generator.Models;

/// <summary>The dense head, applied at every time step. Must stay cacheable: plain values only.</summary>
/// <param name="Name">Parameter-name prefix.</param>
/// <param name="Outputs">Output features per time step.</param>
internal sealed record DenseSpec(string Name, int Outputs);

/// <summary>The training loss.</summary>
internal enum LossKind
{
    /// <summary>Softmax cross entropy, mean over batch × time, integer targets.</summary>
    SoftmaxCrossEntropy,

    /// <summary>Mean squared error, mean over every output element, float targets.</summary>
    MeanSquaredError,
}
