using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Text;

namespace RnnGen
{
    /// <summary>
    /// A named, shaped learnable tensor: a view of <see cref="Length"/> elements starting at the same
    /// offset in a value buffer and in a gradient buffer. The name and shape follow PyTorch's
    /// <c>state_dict</c> conventions, for example <c>lstm.weight_ih_l0</c> with shape <c>[512, 32]</c>.
    /// </summary>
    /// <remarks>
    /// Elements are stored row-major (the last dimension varies fastest), as in a contiguous PyTorch
    /// tensor. The parameter does not own its buffers; whoever created them disposes them.
    /// </remarks>
    public sealed class Parameter
    {
        private readonly AlignedBuffer _values;
        private readonly AlignedBuffer _gradients;
        private readonly int _offset;
        private readonly int[] _shape;

        /// <summary>Creates a parameter view.</summary>
        /// <param name="name">The parameter name, for example <c>dense.weight</c>. Must not be empty.</param>
        /// <param name="shape">The dimensions, outermost first; each must be positive. An empty array
        /// denotes a scalar with one element. The array is copied.</param>
        /// <param name="values">The buffer holding the parameter values.</param>
        /// <param name="gradients">The buffer holding the gradients; must be a different buffer from
        /// <paramref name="values"/>.</param>
        /// <param name="offset">The index of the first element in both buffers.</param>
        /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space, a
        /// dimension is not positive, or <paramref name="values"/> and <paramref name="gradients"/> are
        /// the same buffer.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative, or the
        /// parameter does not fit in one of the buffers.</exception>
        public Parameter(string name, int[] shape, AlignedBuffer values, AlignedBuffer gradients, int offset)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(shape);
            ArgumentNullException.ThrowIfNull(values);
            ArgumentNullException.ThrowIfNull(gradients);
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException("The parameter name must not be empty.", nameof(name));
            }

            if (ReferenceEquals(values, gradients))
            {
                throw new ArgumentException("The value and gradient buffers must be different buffers.", nameof(gradients));
            }

            long length = 1;
            for (int i = 0; i < shape.Length; i++)
            {
                if (shape[i] < 1)
                {
                    throw new ArgumentException($"Dimension {i} of parameter '{name}' is {shape[i]}; every dimension must be positive.", nameof(shape));
                }

                length *= shape[i];
                if (length > int.MaxValue)
                {
                    throw new ArgumentException($"Parameter '{name}' has more than {int.MaxValue} elements.", nameof(shape));
                }
            }

            if (offset < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset must not be negative.");
            }

            if (offset + length > values.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Parameter '{name}' ({length} elements at offset {offset}) does not fit in the value buffer of {values.Length} elements.");
            }

            if (offset + length > gradients.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Parameter '{name}' ({length} elements at offset {offset}) does not fit in the gradient buffer of {gradients.Length} elements.");
            }

            Name = name;
            _shape = (int[])shape.Clone();
            Shape = new ReadOnlyCollection<int>(_shape);
            Length = (int)length;
            _values = values;
            _gradients = gradients;
            _offset = offset;
        }

        /// <summary>Gets the parameter name, for example <c>lstm.weight_hh_l1</c>.</summary>
        public string Name { get; }

        /// <summary>Gets the dimensions, outermost first. Empty for a scalar.</summary>
        public IReadOnlyList<int> Shape { get; }

        /// <summary>Gets the number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
        public int Length { get; }

        /// <summary>Gets the parameter values, for reading or writing.</summary>
        /// <remarks>
        /// Each call marks the value buffer as modified (<see cref="AlignedBuffer.MarkModified"/>), so
        /// a generated model repacks its weights before it next runs. Write through the span before
        /// the next call into the model; a span kept across a model call and written afterwards is
        /// not seen by the model until <see cref="Value"/> is called again.
        /// </remarks>
        /// <exception cref="ObjectDisposedException">The value buffer has been disposed.</exception>
        public Span<float> Value
        {
            get
            {
                Span<float> values = _values.AsSpan(_offset, Length);
                _values.MarkModified();
                return values;
            }
        }

        /// <summary>Gets the gradient of the loss with respect to the parameter values.</summary>
        /// <exception cref="ObjectDisposedException">The gradient buffer has been disposed.</exception>
        public Span<float> Gradient => _gradients.AsSpan(_offset, Length);

        /// <summary>Formats the parameter as its name followed by its shape.</summary>
        /// <returns>For example <c>lstm.weight_ih_l0 [512, 32]</c>, or <c>scale []</c> for a scalar.</returns>
        public override string ToString()
        {
            var builder = new StringBuilder(Name.Length + 16);
            builder.Append(Name).Append(" [");
            for (int i = 0; i < _shape.Length; i++)
            {
                if (i > 0)
                {
                    builder.Append(", ");
                }

                builder.Append(_shape[i]);
            }

            return builder.Append(']').ToString();
        }
    }
}
