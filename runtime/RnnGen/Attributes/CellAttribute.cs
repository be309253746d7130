using System;

namespace RnnGen
{
    /// <summary>
    /// Declares a stack of layers of a cell written in C#: a class marked
    /// <see cref="Cells.RecurrentCellAttribute"/> whose <c>Step</c> method gives the equations.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The generator derives the cell's backward pass and emits its kernels for this layer's sizes,
    /// with everything the built-in cells have: hoisted input products, fused element-wise kernels on
    /// every SIMD tier, <c>Step</c>, stream batches, threads, dropout and conditioning.
    /// </para>
    /// <para>
    /// Parameters, in this order for each layer <c>k</c> (0-based): the matrices
    /// (<c>{Name}.weight_{name}_l{k}</c>, [Hidden, width of the value they multiply]), those applied
    /// to x first; then the per-unit vectors (<c>{Name}.weight_{name}_l{k}</c>, [Hidden]); then the
    /// biases (<c>{Name}.bias_{name}_l{k}</c>, [Hidden]). All are drawn from
    /// U(-1/sqrt(Hidden), 1/sqrt(Hidden)). The first state is the layer's output.
    /// </para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
    public sealed class CellAttribute : Attribute
    {
        /// <summary>Initializes the attribute with the cell's class.</summary>
        /// <param name="cell">A class marked <see cref="Cells.RecurrentCellAttribute"/>, declared in this project.</param>
        public CellAttribute(Type cell)
        {
            Cell = cell;
        }

        /// <summary>Gets the cell's class.</summary>
        public Type Cell { get; }

        /// <summary>Gets or sets the width of every state. Must be positive.</summary>
        public int Hidden { get; set; }

        /// <summary>Gets or sets the number of stacked layers. Defaults to 1.</summary>
        public int Layers { get; set; } = 1;

        /// <summary>
        /// Gets or sets the dropout probability between the stacked layers of this attribute, as on
        /// <see cref="LstmAttribute.Dropout"/>.
        /// </summary>
        public double Dropout { get; set; }

        /// <summary>
        /// Gets or sets the layer name used as the prefix of its parameter names (<c>cell</c> when
        /// <see langword="null"/>).
        /// </summary>
        public string? Name { get; set; }
    }
}
