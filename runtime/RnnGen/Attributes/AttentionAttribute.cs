using System;

namespace RnnGen
{
    /// <summary>
    /// Additive (Bahdanau) attention over a memory, for the decoder of an encoder–decoder: at every
    /// step the top recurrent layer's output s_t scores each memory vector m_j (typically an
    /// encoder's outputs), and the dense head reads [s_t ; c_t], where c_t is the attention-weighted
    /// sum of the memory.
    /// </summary>
    /// <remarks>
    /// <para>
    /// e_tj = vᵀ tanh(W_q s_t + W_k m_j + b_k) over the memory's real steps j &lt; length,
    /// α_t = softmax(e_t), c_t = Σ_j α_tj m_j, y_t = W_out [s_t ; c_t] + b_out. This is Bahdanau et
    /// al.'s additive score applied to the current output, as in Luong et al.'s global attention;
    /// the context feeds the head, not the recurrence.
    /// </para>
    /// <para>
    /// Parameters: <c>{Name}.query.weight</c> (<c>[Units, hidden]</c>), <c>{Name}.key.weight</c>
    /// (<c>[Units, MemorySize]</c>), <c>{Name}.key.bias</c> and <c>{Name}.score.weight</c>
    /// (<c>[1, Units]</c>), initialised as <c>nn.Linear</c>; the dense head's weight becomes
    /// <c>[Outputs, hidden + MemorySize]</c>.
    /// </para>
    /// <para>
    /// The generated model gains a writable <c>Memory</c> (<c>[BatchSize, MemoryLength, MemorySize]</c>)
    /// and <c>MemoryLengths</c>, the <c>MemoryGradient</c> after training (to pass to the encoder's
    /// <c>Backward</c>), <c>AttentionWeights(b, t)</c>, and <c>SetMemory(state, memory, length)</c> for
    /// streaming decoding.
    /// </para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
    public sealed class AttentionAttribute : Attribute
    {
        /// <summary>Gets or sets the size of each memory vector (the encoder's output size). Must be positive.</summary>
        public int MemorySize { get; set; }

        /// <summary>Gets or sets the number of memory vectors per sequence (the encoder's sequence length). Must be positive.</summary>
        public int MemoryLength { get; set; }

        /// <summary>Gets or sets the size of the attention's hidden layer (the projections' outputs). Must be positive.</summary>
        public int Units { get; set; }

        /// <summary>Gets or sets the prefix of the parameter names; <c>attention</c> when <see langword="null"/>.</summary>
        public string? Name { get; set; }
    }
}
