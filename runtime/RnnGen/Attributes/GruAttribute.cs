using System;

namespace RnnGen
{
    /// <summary>
    /// Declares a stack of gated recurrent unit layers. Equivalent to PyTorch's
    /// <c>nn.GRU(input_size, Hidden, num_layers=Layers, batch_first=True)</c>, with the gates in
    /// PyTorch's order: reset, update, new; the new gate applies the reset gate to
    /// <c>W_hn h + b_hn</c> as PyTorch does.
    /// </summary>
    /// <remarks>
    /// <para>
    /// For each layer <c>k</c> (0-based) it creates the parameters <c>{Name}.weight_ih_l{k}</c>
    /// (<c>[3*Hidden, input_k]</c>, where <c>input_0</c> is the width of the previous layer and
    /// <c>input_k = Hidden</c> for <c>k &gt; 0</c>), <c>{Name}.weight_hh_l{k}</c> (<c>[3*Hidden, Hidden]</c>),
    /// <c>{Name}.bias_ih_l{k}</c> and <c>{Name}.bias_hh_l{k}</c> (<c>[3*Hidden]</c>).
    /// </para>
    /// <para>
    /// Initialisation follows PyTorch: every weight and bias is drawn from
    /// U(-1/sqrt(Hidden), 1/sqrt(Hidden)).
    /// </para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
    public sealed class GruAttribute : Attribute
    {
        /// <summary>Gets or sets the hidden state width (<c>hidden_size</c>). Must be positive.</summary>
        public int Hidden { get; set; }

        /// <summary>Gets or sets the number of stacked layers (<c>num_layers</c>). Defaults to 1.</summary>
        public int Layers { get; set; } = 1;

        /// <summary>
        /// Gets or sets the dropout probability between the stacked layers of this attribute, applied
        /// while training to the outputs of every layer but the last (PyTorch's <c>dropout</c>
        /// argument). In [0, 1); 0 (the default) is none, and a positive value needs
        /// <see cref="Layers"/> of at least 2. See <see cref="DropoutAttribute"/>.
        /// </summary>
        public double Dropout { get; set; }

        /// <summary>
        /// Gets or sets where the reset gate acts. <see langword="true"/> (the default) is PyTorch's
        /// GRU: n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)). <see langword="false"/> is the GRU of Cho
        /// et al. (2014), Keras' <c>reset_after=False</c> and ONNX's <c>linear_before_reset=0</c>:
        /// n = tanh(W_in·x + b_in + W_hn·(r ⊙ h) + b_hn), with the same parameter names and shapes. It
        /// takes a second product per step, after the reset gate.
        /// </summary>
        public bool ResetAfter { get; set; } = true;

        /// <summary>
        /// Gets or sets the layer name used as the prefix of its parameter names, for example
        /// <c>gru</c> gives <c>gru.weight_ih_l0</c>. When <see langword="null"/>, the generator
        /// derives a name from the layer kind.
        /// </summary>
        public string? Name { get; set; }
    }
}
