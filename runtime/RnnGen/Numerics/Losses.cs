using System;

namespace RnnGen.Numerics
{
    /// <summary>
    /// Per-example loss functions and their gradients, evaluated for one time step of one sequence.
    /// Generated models sum them over the batch and the sequence and pass the mean-reduction factor
    /// (for example <c>1 / (batch * sequence)</c>) as <c>scale</c>, as PyTorch's
    /// <c>reduction='mean'</c> does.
    /// </summary>
    /// <remarks>
    /// Sums and exponentials are evaluated in double precision. None of the methods allocates.
    /// </remarks>
    public static class Losses
    {
        /// <summary>
        /// Computes the softmax cross-entropy <c>-log(softmax(logits)[target])</c> and writes its
        /// gradient with respect to the logits, <c>scale * (softmax(logits) - onehot(target))</c>.
        /// </summary>
        /// <param name="logits">The unnormalised log-probabilities of the classes. Must not be empty.</param>
        /// <param name="target">The index of the correct class.</param>
        /// <param name="gradient">Receives the scaled gradient; must have the same length as
        /// <paramref name="logits"/> and must not overlap it.</param>
        /// <param name="scale">The factor applied to the gradient (not to the returned loss).</param>
        /// <returns>The unscaled loss, computed in double precision with a numerically stable log-sum-exp.</returns>
        /// <exception cref="ArgumentException"><paramref name="logits"/> is empty, or
        /// <paramref name="gradient"/> has a different length or overlaps <paramref name="logits"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is not a valid class index.</exception>
        public static double SoftmaxCrossEntropy(ReadOnlySpan<float> logits, int target, Span<float> gradient, float scale)
        {
            ValidateLogits(logits, target);
            if (gradient.Length != logits.Length)
            {
                throw new ArgumentException($"The gradient has {gradient.Length} elements but there are {logits.Length} logits.", nameof(gradient));
            }

            if (logits.Overlaps(gradient))
            {
                throw new ArgumentException("The gradient must not overlap the logits.", nameof(gradient));
            }

            // One exponential per class: exp(logit − max) is kept in the gradient buffer (it lies in
            // (0, 1], so float keeps its relative precision) and divided by the sum afterwards.
            double max = Max(logits);
            double sum = 0.0;
            for (int i = 0; i < logits.Length; i++)
            {
                double e = Math.Exp(logits[i] - max);
                gradient[i] = (float)e;
                sum += e;
            }

            double factor = scale / sum;
            for (int i = 0; i < logits.Length; i++)
            {
                gradient[i] = (float)(factor * gradient[i]);
            }

            gradient[target] -= scale;
            return max + Math.Log(sum) - logits[target];
        }

        /// <summary>Computes the softmax cross-entropy <c>-log(softmax(logits)[target])</c> without a gradient.</summary>
        /// <param name="logits">The unnormalised log-probabilities of the classes. Must not be empty.</param>
        /// <param name="target">The index of the correct class.</param>
        /// <returns>The loss, computed in double precision with a numerically stable log-sum-exp.</returns>
        /// <exception cref="ArgumentException"><paramref name="logits"/> is empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is not a valid class index.</exception>
        public static double SoftmaxCrossEntropy(ReadOnlySpan<float> logits, int target)
        {
            ValidateLogits(logits, target);
            double max = Max(logits);
            double sum = 0.0;
            for (int i = 0; i < logits.Length; i++)
            {
                sum += Math.Exp(logits[i] - max);
            }

            return max + Math.Log(sum) - logits[target];
        }

        /// <summary>
        /// Computes the squared error <c>Σ (prediction - target)²</c> and writes its scaled gradient
        /// with respect to the prediction, <c>scale * 2 * (prediction - target)</c>.
        /// </summary>
        /// <param name="prediction">The predicted values.</param>
        /// <param name="target">The target values; must have the same length as <paramref name="prediction"/>.</param>
        /// <param name="gradient">Receives the scaled gradient; must have the same length as
        /// <paramref name="prediction"/> and must not overlap either input.</param>
        /// <param name="scale">The factor applied to the gradient (not to the returned loss).</param>
        /// <returns>The unscaled sum of squared differences, accumulated in double precision.</returns>
        /// <exception cref="ArgumentException">The lengths differ, or <paramref name="gradient"/>
        /// overlaps an input.</exception>
        public static double SquaredError(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, float scale)
        {
            if (target.Length != prediction.Length)
            {
                throw new ArgumentException($"The target has {target.Length} elements but the prediction has {prediction.Length}.", nameof(target));
            }

            if (gradient.Length != prediction.Length)
            {
                throw new ArgumentException($"The gradient has {gradient.Length} elements but the prediction has {prediction.Length}.", nameof(gradient));
            }

            if (prediction.Overlaps(gradient) || target.Overlaps(gradient))
            {
                throw new ArgumentException("The gradient must not overlap the prediction or the target.", nameof(gradient));
            }

            double sum = 0.0;
            float twiceScale = 2f * scale;
            for (int i = 0; i < prediction.Length; i++)
            {
                float difference = prediction[i] - target[i];
                sum += (double)difference * difference;
                gradient[i] = twiceScale * difference;
            }

            return sum;
        }

        private static void ValidateLogits(ReadOnlySpan<float> logits, int target)
        {
            if (logits.IsEmpty)
            {
                throw new ArgumentException("There must be at least one logit.", nameof(logits));
            }

            if ((uint)target >= (uint)logits.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(target), target, $"The target class must be between 0 and {logits.Length - 1}.");
            }
        }

        private static double Max(ReadOnlySpan<float> values)
        {
            float max = values[0];
            for (int i = 1; i < values.Length; i++)
            {
                if (values[i] > max)
                {
                    max = values[i];
                }
            }

            return max;
        }
    }
}
