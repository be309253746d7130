using System;

namespace RnnGen
{
    /// <summary>
    /// Declares a fully connected output layer on the last recurrent layer's hidden states: applied
    /// independently at every time step by default, or once per sequence to a readout of its hidden
    /// states (see <see cref="Readout"/>). Equivalent to PyTorch's
    /// <c>nn.Linear(in_features, Outputs)</c>: <c>y = W h + b</c>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Creates the parameters <c>{Name}.weight</c> (<c>[Outputs, in_features]</c>) and
    /// <c>{Name}.bias</c> (<c>[Outputs]</c>).
    /// </para>
    /// <para>
    /// Initialisation follows PyTorch: weight and bias are drawn from
    /// U(-1/sqrt(in_features), 1/sqrt(in_features)) (for the weight this is what
    /// <c>kaiming_uniform_(a=sqrt(5))</c> reduces to).
    /// </para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
    public sealed class DenseAttribute : Attribute
    {
        /// <summary>Gets or sets the number of outputs per time step (<c>out_features</c>). Must be positive.</summary>
        public int Outputs { get; set; }

        /// <summary>
        /// Gets or sets which hidden states the head reads: every step (synced many-to-many, the
        /// default), the last real step of each sequence, or their mean (many-to-one). With a
        /// many-to-one readout, outputs and targets have one row per sequence instead of one per step.
        /// </summary>
        public RnnReadout Readout { get; set; }

        /// <summary>
        /// Gets or sets the layer name used as the prefix of its parameter names, for example
        /// <c>dense</c> gives <c>dense.weight</c> and <c>dense.bias</c>. When <see langword="null"/>,
        /// the generator derives a name from the layer kind.
        /// </summary>
        public string? Name { get; set; }
    }
}
