namespace RnnGen
{
    /// <summary>
    /// How a model evaluates the logistic sigmoid and the hyperbolic tangent: in its cells, its
    /// attention and its conditioning, in every pass (training, <c>Forward</c>, <c>Step</c>,
    /// <c>Process</c> and stream batches), so every pass keeps computing the same function.
    /// </summary>
    public enum ActivationMath
    {
        /// <summary>
        /// The default: <see cref="Numerics.Activations.Sigmoid(float)"/> and
        /// <see cref="Numerics.Activations.Tanh(float)"/>, an exponential with a degree-7 polynomial,
        /// within 9e-8 of the exact functions. Use it to match PyTorch as closely as float32 allows.
        /// </summary>
        Exact,

        /// <summary>
        /// <see cref="Numerics.Activations.RationalSigmoid(float)"/> and
        /// <see cref="Numerics.Activations.RationalTanh(float)"/>: tanh as a rational function with one
        /// division and no exponential (Eigen's single-precision tanh, which RTNeural evaluates), and
        /// sigmoid as ½ + ½·tanh(x/2), each within 3.6e-7 of the exact function. A recurrent step's
        /// dependent chain goes through two activations, so small models (audio effects: 8–64 units on one
        /// input) take 10–30% less time per step; results differ from the exact functions' (and PyTorch's)
        /// by about 1e-6 per step. Training uses the same derivative formulas as with the exact functions,
        /// σ′ = σ(1 − σ) and tanh′ = 1 − tanh², evaluated on the rational outputs: within 1.4e-7 of the
        /// rational functions' own derivatives (tanh; 3.3e-8 for sigmoid), well inside what the gradient checks resolve.
        /// </summary>
        Rational,
    }
}
