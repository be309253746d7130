using System;

namespace RnnGen
{
    /// <summary>
    /// Declares a stack of MUT1, MUT2 or MUT3 layers (Jozefowicz et al. 2015), the equations exactly
    /// as the paper prints them (see <see cref="MutVariant"/>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// For each layer <c>k</c> (0-based) the parameters are, in this order, the matrices the variant's
    /// equations use, then its biases: MUT1 <c>weight_xz</c>, <c>weight_xr</c>, <c>weight_hr</c>,
    /// <c>weight_hh</c>; MUT2 <c>weight_xz</c>, <c>weight_xh</c>, <c>weight_hz</c>, <c>weight_hr</c>,
    /// <c>weight_hh</c>; MUT3 <c>weight_xz</c>, <c>weight_xr</c>, <c>weight_xh</c>, <c>weight_hz</c>,
    /// <c>weight_hr</c>, <c>weight_hh</c>; then <c>bias_z</c>, <c>bias_r</c>, <c>bias_h</c>. Each is
    /// named <c>{Name}.{parameter}_l{k}</c>; a <c>weight_x*</c> is <c>[Hidden, input_k]</c>, a
    /// <c>weight_h*</c> <c>[Hidden, Hidden]</c>, a bias <c>[Hidden]</c>, all drawn from
    /// U(-1/sqrt(Hidden), 1/sqrt(Hidden)).
    /// </para>
    /// <para>
    /// MUT1 adds tanh(x_t) and MUT2 adds x_t itself, so their input width must equal
    /// <see cref="Hidden"/> (for the first layer, the embedding or feature width; a diagnostic says so
    /// otherwise).
    /// </para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
    public sealed class MutAttribute : Attribute
    {
        /// <summary>Gets or sets the hidden state width. Must be positive.</summary>
        public int Hidden { get; set; }

        /// <summary>Gets or sets the number of stacked layers. Defaults to 1.</summary>
        public int Layers { get; set; } = 1;

        /// <summary>Gets or sets which of the three cells. Defaults to <see cref="MutVariant.Mut1"/>.</summary>
        public MutVariant Variant { get; set; } = MutVariant.Mut1;

        /// <summary>
        /// Gets or sets the dropout probability between the stacked layers of this attribute, as on
        /// <see cref="LstmAttribute.Dropout"/>.
        /// </summary>
        public double Dropout { get; set; }

        /// <summary>
        /// Gets or sets the layer name used as the prefix of its parameter names (<c>mut</c> when
        /// <see langword="null"/>).
        /// </summary>
        public string? Name { get; set; }
    }
}
