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
        /// <see cref="Numerics.Activations.RationalTanh(float)"/>: a rational function with one division
        /// and no exponential (the approximation Eigen, and so RTNeural, evaluates), within 3.6e-7 of the
        /// exact functions. A recurrent step's dependent chain goes through two activations, so small
        /// models (audio effects: 8–64 units on one input) take about a third less time per step; results
        /// differ from the exact functions' (and PyTorch's) by about 1e-6 per step.
        /// </summary>
        Rational,
    }
}
