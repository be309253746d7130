namespace RnnGen
{
    /// <summary>
    /// The non-linearity of a plain (Elman) recurrent layer declared with <see cref="RnnAttribute"/>.
    /// Mirrors the <c>nonlinearity</c> argument of PyTorch's <c>nn.RNN</c>.
    /// </summary>
    public enum RnnActivation
    {
        /// <summary>Hyperbolic tangent, <c>nonlinearity='tanh'</c> (the PyTorch default).</summary>
        Tanh,

        /// <summary>Rectified linear unit, <c>nonlinearity='relu'</c>.</summary>
        Relu,
    }
}
