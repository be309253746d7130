using RnnGen.Numerics;

namespace RnnGen.Cells
{
    /// <summary>
    /// The element-wise functions a recurrent cell's <c>Step</c> may use. Each is the function the
    /// generated kernels evaluate (<see cref="Activations"/>), applied here unit by unit, so running a
    /// cell as written gives the values of the generated forward pass up to the order of additions (in a
    /// model declared with <c>ActivationMath.Rational</c>, the kernels evaluate
    /// <see cref="Activations.RationalSigmoid(float)"/> and <see cref="Activations.RationalTanh(float)"/>
    /// instead, each within 3.6e-7 of the exact function).
    /// </summary>
    /// <remarks>Import them with <c>using static RnnGen.Cells.CellMath;</c> to write <c>Sigmoid(…)</c>.</remarks>
    public static class CellMath
    {
        /// <summary>The logistic sigmoid σ(a) = 1 / (1 + e^−a) of every unit.</summary>
        /// <param name="a">The units.</param>
        /// <returns>Values in [0, 1].</returns>
        public static Units Sigmoid(Units a) => Units.Map(a, Activations.Sigmoid);

        /// <summary>The hyperbolic tangent of every unit.</summary>
        /// <param name="a">The units.</param>
        /// <returns>Values in [−1, 1].</returns>
        public static Units Tanh(Units a) => Units.Map(a, Activations.Tanh);

        /// <summary>The rectified linear unit max(a, 0) of every unit.</summary>
        /// <param name="a">The units.</param>
        /// <returns>Non-negative values.</returns>
        public static Units Relu(Units a) => Units.Map(a, Activations.Relu);

        /// <summary>The exponential e^a of every unit (+∞ from about 88.7).</summary>
        /// <param name="a">The units.</param>
        /// <returns>Positive values.</returns>
        public static Units Exp(Units a) => Units.Map(a, Activations.Exp);

        /// <summary>The softsign a / (1 + |a|) of every unit.</summary>
        /// <param name="a">The units.</param>
        /// <returns>Values in (−1, 1).</returns>
        public static Units Softsign(Units a) => Units.Map(a, Activations.Softsign);

        /// <summary>PyTorch's hard sigmoid clamp(a / 6 + 1/2, 0, 1) of every unit.</summary>
        /// <param name="a">The units.</param>
        /// <returns>Values in [0, 1].</returns>
        public static Units HardSigmoid(Units a) => Units.Map(a, Activations.HardSigmoid);
    }
}
