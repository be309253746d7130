using System;

namespace RnnGen
{
    /// <summary>
    /// Declares mean squared error as the training loss: every time step has a float target vector
    /// as wide as the dense layer's output. Equivalent to PyTorch's <c>F.mse_loss(prediction, target)</c>
    /// with the default <c>reduction='mean'</c>, i.e. the mean over all elements of all batch
    /// elements and time steps.
    /// </summary>
    /// <remarks>The loss has no parameters. See <see cref="Numerics.Losses.SquaredError(System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, System.Span{float}, float)"/>.</remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
    public sealed class MeanSquaredErrorAttribute : Attribute
    {
    }
}
