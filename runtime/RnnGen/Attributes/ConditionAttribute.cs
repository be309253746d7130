using System;

namespace RnnGen
{
    /// <summary>
    /// Conditions every sequence on a vector: the initial state of each recurrent layer is computed
    /// from a per-sequence conditioning vector (image features for captioning, a category for
    /// generation, a speaker or style embedding) by a learned projection, trained end to end.
    /// </summary>
    /// <remarks>
    /// <para>
    /// For recurrent layer <c>l</c> (stacked layers counted one by one) with hidden size <c>H</c>:
    /// <c>h₀ = tanh(W_h·c + b_h)</c> with parameters <c>{Name}.weight_h_l{l}</c> (<c>[H, Features]</c>)
    /// and <c>{Name}.bias_h_l{l}</c>, and for an LSTM layer also <c>c₀ = W_c·c + b_c</c> with
    /// <c>{Name}.weight_c_l{l}</c> and <c>{Name}.bias_c_l{l}</c>. They are initialised as
    /// <c>nn.Linear(Features, H)</c> is, U(±1/√Features), and come last in the parameter list.
    /// </para>
    /// <para>
    /// The generated model gains a writable <c>Conditions</c> view (<c>[BatchSize, Features]</c>),
    /// read by every forward pass, a <c>ConditionGradient</c> after training, and
    /// <c>InitialiseState(state, condition)</c> for streaming.
    /// </para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
    public sealed class ConditionAttribute : Attribute
    {
        /// <summary>Gets or sets the size of the conditioning vector. Must be positive.</summary>
        public int Features { get; set; }

        /// <summary>
        /// Gets or sets the prefix of the projection's parameter names; <c>condition</c> when
        /// <see langword="null"/>.
        /// </summary>
        public string? Name { get; set; }
    }
}
