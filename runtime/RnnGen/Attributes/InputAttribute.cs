using System;

namespace RnnGen
{
    /// <summary>
    /// Declares a dense feature vector as the input layer: each time step's input is
    /// <see cref="Features"/> floating-point values fed directly to the first recurrent layer.
    /// This corresponds to passing a float tensor of shape <c>[batch, sequence, Features]</c> to a
    /// PyTorch <c>batch_first=True</c> recurrent module.
    /// </summary>
    /// <remarks>The input layer has no parameters.</remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
    public sealed class InputAttribute : Attribute
    {
        /// <summary>Gets or sets the number of input features per time step. Must be positive.</summary>
        public int Features { get; set; }

        /// <summary>
        /// Gets or sets the layer name. When <see langword="null"/>, the generator derives a name from
        /// the layer kind.
        /// </summary>
        public string? Name { get; set; }
    }
}
