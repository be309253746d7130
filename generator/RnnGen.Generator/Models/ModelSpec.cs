namespace RnnGen.Generator.Models;

/// <summary>
/// Everything the emitter needs to know about one <c>[RnnModel]</c> class: plain values only
/// (no symbols, syntax or locations), so it must stay cacheable by the incremental pipeline.
/// </summary>
/// <param name="Namespace">The containing namespace, or <see langword="null"/> for the global namespace.</param>
/// <param name="ClassName">The class name as written.</param>
/// <param name="SequenceLength">Time steps per sequence.</param>
/// <param name="BatchSize">Sequences per batch.</param>
/// <param name="Input">The input layer (embedding or float features).</param>
/// <param name="Recurrent">The recurrent layers in data-flow order.</param>
/// <param name="Dense">The dense head applied at every time step.</param>
/// <param name="Loss">The training loss.</param>
/// <param name="Condition">The conditioning vector that sets the initial states, or <see langword="null"/>.</param>
/// <param name="Attention">Attention over a memory before the head, or <see langword="null"/>.</param>
/// <param name="HeadDropout">Dropout probability on the top layer's outputs, which the head (and attention) read, or 0.</param>
/// <param name="RationalActivations">Whether sigmoid and tanh are the rational approximations (<c>ActivationMath.Rational</c>) rather than the exact functions.</param>
internal sealed record ModelSpec(
    string? Namespace,
    string ClassName,
    int SequenceLength,
    int BatchSize,
    InputSpec Input,
    EquatableArray<RecurrentSpec> Recurrent,
    DenseSpec Dense,
    LossKind Loss,
    ConditionSpec? Condition,
    AttentionSpec? Attention,
    double HeadDropout,
    bool RationalActivations = false)
{
    /// <summary>The name used for hint names and documentation: namespace-qualified.</summary>
    public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;
}
