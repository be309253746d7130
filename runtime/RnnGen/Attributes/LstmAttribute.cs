using System;

namespace RnnGen
{
    /// <summary>
    /// Declares a stack of long short-term memory layers. Equivalent to PyTorch's
    /// <c>nn.LSTM(input_size, Hidden, num_layers=Layers, batch_first=True)</c>, with the gates in
    /// PyTorch's order: input, forget, cell, output.
    /// </summary>
    /// <remarks>
    /// <para>
    /// For each layer <c>k</c> (0-based) it creates the parameters <c>{Name}.weight_ih_l{k}</c>
    /// (<c>[4*Hidden, input_k]</c>, where <c>input_0</c> is the width of the previous layer and
    /// <c>input_k = Hidden</c> for <c>k &gt; 0</c>), <c>{Name}.weight_hh_l{k}</c> (<c>[4*Hidden, Hidden]</c>),
    /// <c>{Name}.bias_ih_l{k}</c> and <c>{Name}.bias_hh_l{k}</c> (<c>[4*Hidden]</c>).
    /// </para>
    /// <para>
    /// Initialisation follows PyTorch: every weight and bias is drawn from
    /// U(-1/sqrt(Hidden), 1/sqrt(Hidden)).
    /// </para>
    /// <para>
    /// <see cref="Peepholes"/> and <see cref="CoupledGates"/> select the LSTM variants of Gers &amp;
    /// Schmidhuber (2000) and of the coupled input–forget gate; they combine.
    /// </para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
    public sealed class LstmAttribute : Attribute
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
        /// Gets or sets whether the gates also see the cell state (peephole connections, Gers &amp;
        /// Schmidhuber 2000): i = σ(W_i·x + U_i·h + p_i ⊙ c_{t−1} + b_i), f = σ(W_f·x + U_f·h + p_f ⊙
        /// c_{t−1} + b_f), o = σ(W_o·x + U_o·h + p_o ⊙ c_t + b_o). It adds the per-unit weights
        /// <c>{Name}.weight_peephole_l{k}</c>, <c>[3, Hidden]</c> with rows (i, f, o) (<c>[2, Hidden]</c>,
        /// rows (f, o), with <see cref="CoupledGates"/>), initialised like the other weights.
        /// </summary>
        public bool Peepholes { get; set; }

        /// <summary>
        /// Gets or sets whether the input gate is coupled to the forget gate: there is no input gate, and
        /// c_t = f ⊙ c_{t−1} + (1 − f) ⊙ g. The gates are (f, g, o): <c>weight_ih_l{k}</c> is
        /// <c>[3*Hidden, input_k]</c>, <c>weight_hh_l{k}</c> <c>[3*Hidden, Hidden]</c> and the biases
        /// <c>[3*Hidden]</c>.
        /// </summary>
        public bool CoupledGates { get; set; }

        /// <summary>
        /// Gets or sets the width of the projected hidden state (PyTorch's <c>proj_size</c>); 0 (the
        /// default) is none. With a projection P the layer's output and its h state have P units:
        /// h_t = W_hr·(o_t ⊙ tanh(c_t)), with the extra parameter <c>{Name}.weight_hr_l{k}</c>
        /// (<c>[P, Hidden]</c>, after the biases), and <c>weight_hh_l{k}</c> is <c>[4*Hidden, P]</c>;
        /// the cell state keeps <see cref="Hidden"/> units, and the next layer's input is P wide. Must be
        /// smaller than <see cref="Hidden"/>. Combines with <see cref="Peepholes"/> and
        /// <see cref="CoupledGates"/>.
        /// </summary>
        public int Projection { get; set; }

        /// <summary>
        /// Gets or sets the layer name used as the prefix of its parameter names, for example
        /// <c>lstm</c> gives <c>lstm.weight_ih_l0</c>. When <see langword="null"/>, the generator
        /// derives a name from the layer kind.
        /// </summary>
        public string? Name { get; set; }
    }
}
