using System;

namespace RnnGen
{
    /// <summary>
    /// Marks a <c>partial</c> class as a recurrent model whose forward pass, backward pass and
    /// streaming inference are generated at compile time.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The layer attributes placed on the same class describe the network from input to output, in
    /// declaration order: one input layer (<see cref="EmbeddingAttribute"/> or
    /// <see cref="InputAttribute"/>), one or more recurrent layers (<see cref="RnnAttribute"/>,
    /// <see cref="LstmAttribute"/>, <see cref="GruAttribute"/>), a per-time-step
    /// <see cref="DenseAttribute"/> and a loss (<see cref="SoftmaxCrossEntropyAttribute"/> or
    /// <see cref="MeanSquaredErrorAttribute"/>).
    /// </para>
    /// <para>
    /// Tensors use PyTorch's <c>batch_first=True</c> layout: a batch of sequences is
    /// <c>[BatchSize, SequenceLength, features]</c>.
    /// </para>
    /// </remarks>
    /// <example>
    /// <code>
    /// [RnnModel(SequenceLength = 64, BatchSize = 32)]
    /// [Embedding(Vocabulary = 65, Dimensions = 32)]
    /// [Lstm(Hidden = 128, Layers = 2)]
    /// [Dense(Outputs = 65)]
    /// [SoftmaxCrossEntropy]
    /// public partial class CharModel { }
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
    public sealed class RnnModelAttribute : Attribute
    {
        /// <summary>
        /// Gets or sets the number of time steps in one training sequence (the unrolled length used
        /// for truncated back-propagation through time). Must be positive.
        /// </summary>
        public int SequenceLength { get; set; }

        /// <summary>
        /// Gets or sets the number of sequences processed together in one training step. Must be
        /// positive.
        /// </summary>
        public int BatchSize { get; set; }

        /// <summary>
        /// Gets or sets how the model evaluates sigmoid and tanh (<see cref="RnnGen.ActivationMath.Exact"/>
        /// by default). <see cref="RnnGen.ActivationMath.Rational"/> trades about four times the
        /// activations' error (3.6e-7 instead of 9e-8) for a shorter step; every pass of the model uses
        /// the same choice, so <c>Step</c> still gives <c>Forward</c>'s values bit for bit.
        /// </summary>
        public ActivationMath ActivationMath { get; set; }
    }
}
