using System;
using System.IO;

namespace RnnGen
{
    /// <summary>
    /// The exception thrown when a weight file is malformed or does not match the model it is
    /// loaded into. The message says what was expected and what was found.
    /// </summary>
    public sealed class WeightFileException : IOException
    {
        /// <summary>Creates an exception with a default message.</summary>
        public WeightFileException()
            : base("The weight file is invalid.")
        {
        }

        /// <summary>Creates an exception with a message.</summary>
        /// <param name="message">The description of the problem.</param>
        public WeightFileException(string message)
            : base(message)
        {
        }

        /// <summary>Creates an exception with a message and the exception that caused it.</summary>
        /// <param name="message">The description of the problem.</param>
        /// <param name="innerException">The underlying exception.</param>
        public WeightFileException(string message, Exception? innerException)
            : base(message, innerException)
        {
        }

        /// <summary>Creates an exception about one tensor.</summary>
        /// <param name="message">The description of the problem.</param>
        /// <param name="tensorName">The name of the tensor concerned, if any.</param>
        public WeightFileException(string message, string? tensorName)
            : base(message)
        {
            TensorName = tensorName;
        }

        /// <summary>Creates an exception about one tensor, with the exception that caused it.</summary>
        /// <param name="message">The description of the problem.</param>
        /// <param name="tensorName">The name of the tensor concerned, if any.</param>
        /// <param name="innerException">The underlying exception.</param>
        public WeightFileException(string message, string? tensorName, Exception? innerException)
            : base(message, innerException)
        {
            TensorName = tensorName;
        }

        /// <summary>
        /// Gets the name of the tensor the problem concerns (the first one, when several are
        /// involved), or <see langword="null"/> when it concerns the file as a whole.
        /// </summary>
        public string? TensorName { get; }
    }
}
