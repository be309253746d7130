using System;

namespace RnnGen
{
    /// <summary>
    /// Declares softmax cross-entropy as the training loss: the dense layer's outputs are logits and
    /// every time step has one integer class target. Equivalent to PyTorch's
    /// <c>F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1))</c> with the default
    /// <c>reduction='mean'</c>, i.e. the mean over all batch elements and time steps.
    /// </summary>
    /// <remarks>The loss has no parameters. See <see cref="Numerics.Losses.SoftmaxCrossEntropy(System.ReadOnlySpan{float}, int, System.Span{float}, float)"/>.</remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
    public sealed class SoftmaxCrossEntropyAttribute : Attribute
    {
    }
}
