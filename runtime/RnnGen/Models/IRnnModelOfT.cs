using System;

namespace RnnGen;

/// <summary>A generated model's batch operations, typed by its input and target elements.</summary>
/// <typeparam name="TInput"><see cref="int"/> for token ids (<c>[Embedding]</c>), <see cref="float"/> for features (<c>[Input]</c>).</typeparam>
/// <typeparam name="TTarget"><see cref="int"/> for class ids (<c>[SoftmaxCrossEntropy]</c>), <see cref="float"/> for values (<c>[MeanSquaredError]</c>).</typeparam>
public interface IRnnModel<TInput, TTarget> : IRnnModel
    where TInput : unmanaged
    where TTarget : unmanaged
{
    /// <summary>Runs the whole batch through the whole sequence.</summary>
    /// <param name="inputs">Batch-major inputs.</param>
    /// <param name="outputs">Batch-major outputs [BatchSize, SequenceLength, OutputSize].</param>
    void Forward(ReadOnlySpan<TInput> inputs, Span<float> outputs);

    /// <summary>Forward pass, loss and backpropagation through time; returns the mean loss.</summary>
    /// <param name="inputs">Batch-major inputs.</param>
    /// <param name="targets">Batch-major targets.</param>
    /// <returns>The mean loss of the batch.</returns>
    float TrainStep(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>Runs a batch of sequences of different lengths.</summary>
    /// <param name="inputs">Batch-major inputs.</param>
    /// <param name="lengths">Real steps of each sequence, BatchSize values in 0 … SequenceLength.</param>
    /// <param name="outputs">Batch-major outputs [BatchSize, OutputSteps, OutputSize]; zero at padding.</param>
    void Forward(ReadOnlySpan<TInput> inputs, ReadOnlySpan<int> lengths, Span<float> outputs);

    /// <summary>A training step on sequences of different lengths; padding contributes nothing.</summary>
    /// <param name="inputs">Batch-major inputs.</param>
    /// <param name="lengths">Real steps of each sequence.</param>
    /// <param name="targets">Batch-major targets.</param>
    /// <returns>The mean loss over the real rows.</returns>
    float TrainStep(ReadOnlySpan<TInput> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<TTarget> targets);

    /// <summary>The mean loss of sequences of different lengths, without backpropagation.</summary>
    /// <param name="inputs">Batch-major inputs.</param>
    /// <param name="lengths">Real steps of each sequence.</param>
    /// <param name="targets">Batch-major targets.</param>
    /// <returns>The mean loss over the real rows, in double precision.</returns>
    double Evaluate(ReadOnlySpan<TInput> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<TTarget> targets);

    /// <summary>
    /// Backpropagation of the most recent forward pass from caller-supplied gradients of the outputs
    /// (and the final-state gradients), instead of the model's own loss.
    /// </summary>
    /// <param name="outputGradients">d(loss)/d(outputs), batch-major like the outputs.</param>
    void Backward(ReadOnlySpan<float> outputGradients);

    /// <summary>The forward pass and the mean loss, without backpropagation; gradients are left as they are.</summary>
    /// <param name="inputs">Batch-major inputs.</param>
    /// <param name="targets">Batch-major targets.</param>
    /// <returns>The mean loss of the batch, in double precision.</returns>
    double Evaluate(ReadOnlySpan<TInput> inputs, ReadOnlySpan<TTarget> targets);
}
