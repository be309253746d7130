using System;

namespace RnnGen
{
    /// <summary>
    /// Declares a token embedding as the input layer: each time step's input is an integer token id
    /// that selects one row of a learned table. Equivalent to PyTorch's
    /// <c>nn.Embedding(Vocabulary, Dimensions)</c>.
    /// </summary>
    /// <remarks>
    /// <para>Creates one parameter, <c>{Name}.weight</c>, of shape <c>[Vocabulary, Dimensions]</c>.</para>
    /// <para>Initialisation follows PyTorch: every element is drawn from N(0, 1).</para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
    public sealed class EmbeddingAttribute : Attribute
    {
        /// <summary>Gets or sets the number of distinct token ids (<c>num_embeddings</c>). Must be positive.</summary>
        public int Vocabulary { get; set; }

        /// <summary>Gets or sets the width of each embedding vector (<c>embedding_dim</c>). Must be positive.</summary>
        public int Dimensions { get; set; }

        /// <summary>
        /// Gets or sets the layer name used as the prefix of its parameter names, for example
        /// <c>embedding</c> gives <c>embedding.weight</c>. When <see langword="null"/>, the generator
        /// derives a name from the layer kind.
        /// </summary>
        public string? Name { get; set; }
    }
}
