namespace RnnGen
{
    /// <summary>
    /// The three cells found by the architecture search of Jozefowicz, Zaremba &amp; Sutskever, "An
    /// Empirical Exploration of Recurrent Network Architectures" (ICML 2015), declared with
    /// <see cref="MutAttribute"/>. Each has an update gate z, a reset gate r and
    /// h_{t+1} = tanh(W_hh·(r ⊙ h_t) + … + b_h) ⊙ z + h_t ⊙ (1 − z).
    /// </summary>
    public enum MutVariant
    {
        /// <summary>
        /// z = σ(W_xz·x_t + b_z); r = σ(W_xr·x_t + W_hr·h_t + b_r);
        /// h_{t+1} = tanh(W_hh·(r ⊙ h_t) + tanh(x_t) + b_h) ⊙ z + h_t ⊙ (1 − z). Needs input width = Hidden.
        /// </summary>
        Mut1,

        /// <summary>
        /// z = σ(W_xz·x_t + W_hz·h_t + b_z); r = σ(x_t + W_hr·h_t + b_r);
        /// h_{t+1} = tanh(W_hh·(r ⊙ h_t) + W_xh·x_t + b_h) ⊙ z + h_t ⊙ (1 − z). Needs input width = Hidden.
        /// </summary>
        Mut2,

        /// <summary>
        /// z = σ(W_xz·x_t + W_hz·tanh(h_t) + b_z); r = σ(W_xr·x_t + W_hr·h_t + b_r);
        /// h_{t+1} = tanh(W_hh·(r ⊙ h_t) + W_xh·x_t + b_h) ⊙ z + h_t ⊙ (1 − z).
        /// </summary>
        Mut3,
    }
}
