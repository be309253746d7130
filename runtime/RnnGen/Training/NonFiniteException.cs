using System;

namespace RnnGen
{
    /// <summary>
    /// The exception thrown when a training step meets a NaN or an infinity that would poison the
    /// model: a non-finite loss or gradient in <c>TrainStep</c>, or a non-finite gradient norm in
    /// <see cref="GradientClipping.ClipByGlobalNorm(System.Collections.Generic.IReadOnlyList{Parameter}, float, bool)"/>
    /// when asked to refuse one. The message says where the value was found and what is unchanged.
    /// </summary>
    /// <remarks>
    /// Training that diverges (a learning rate too high, no gradient clipping, exploding recurrent
    /// gradients) usually shows up first as this exception. Parameters are never changed by the call
    /// that throws it.
    /// </remarks>
    public sealed class NonFiniteException : ArithmeticException
    {
        /// <summary>Creates an exception with a default message.</summary>
        public NonFiniteException()
            : base("A value is NaN or infinite.")
        {
        }

        /// <summary>Creates an exception with a message.</summary>
        /// <param name="message">Where the value was found.</param>
        public NonFiniteException(string message)
            : base(message)
        {
        }

        /// <summary>Creates an exception with a message and the exception that caused it.</summary>
        /// <param name="message">Where the value was found.</param>
        /// <param name="innerException">The underlying exception.</param>
        public NonFiniteException(string message, Exception? innerException)
            : base(message, innerException)
        {
        }

        /// <summary>Creates an exception about one tensor.</summary>
        /// <param name="message">Where the value was found.</param>
        /// <param name="tensorName">The parameter (or other tensor) holding the value, if any.</param>
        /// <param name="index">The element's index within that tensor, or -1.</param>
        public NonFiniteException(string message, string? tensorName, int index)
            : base(message)
        {
            TensorName = tensorName;
            Index = index;
        }

        /// <summary>Gets the name of the parameter whose gradient (or value) is not finite, or <see langword="null"/> when the loss is.</summary>
        public string? TensorName { get; }

        /// <summary>Gets the index of the first non-finite element within <see cref="TensorName"/>, or -1.</summary>
        public int Index { get; } = -1;
    }
}
