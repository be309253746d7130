using System.Numerics;

namespace RnnGen.Optimizers
{
    /// <summary>
    /// The test behind a refused step: an update that turns a finite value (a parameter or an
    /// optimizer state) into NaN or an infinity. A value that is already non-finite (loaded on
    /// purpose) may stay so, as it would in PyTorch.
    /// </summary>
    internal static class NonFiniteCheck
    {
        /// <summary>Lanes where <paramref name="old"/> is finite and <paramref name="updated"/> is not (all bits set), else 0.</summary>
        /// <param name="old">The value before the update.</param>
        /// <param name="updated">The value after it.</param>
        /// <returns>The mask of newly non-finite lanes. (x · 0 is 0 exactly when x is finite.)</returns>
        public static Vector<int> Newly(Vector<float> old, Vector<float> updated) =>
            Vector.AndNot(
                Vector.Equals(old * Vector<float>.Zero, Vector<float>.Zero),
                Vector.Equals(updated * Vector<float>.Zero, Vector<float>.Zero));

        /// <summary>Whether <paramref name="old"/> is finite and <paramref name="updated"/> is not.</summary>
        /// <param name="old">The value before the update.</param>
        /// <param name="updated">The value after it.</param>
        /// <returns><see langword="true"/> for a newly non-finite value.</returns>
        public static bool Newly(float old, float updated) => float.IsFinite(old) && !float.IsFinite(updated);
    }
}
