using System;

namespace RnnGen;

/// <summary>The block arithmetic of the streaming interfaces' default <c>Process</c> methods.</summary>
internal static class StreamingBlocks
{
    /// <summary>Outputs per step of a block of <paramref name="steps"/> steps writing <paramref name="outputs"/> floats.</summary>
    public static int OutputsPerStep(int steps, int outputs)
    {
        if (steps == 0)
        {
            return outputs == 0 ? 0 : throw new ArgumentException($"outputs must be empty for an empty block, but holds {outputs}.", nameof(outputs));
        }

        if (outputs % steps != 0)
        {
            throw new ArgumentException($"outputs must hold the same number of floats for each of the {steps} steps, but holds {outputs}.", nameof(outputs));
        }

        return outputs / steps;
    }

    /// <summary>The steps and sizes of a block of features for <paramref name="rows"/> streams, from the model's own sizes.</summary>
    public static (int Steps, int InputSize, int OutputSize) Shape(object model, int inputs, int outputs, int rows)
    {
        if (model is not IRnnModel rnn)
        {
            throw new NotSupportedException($"{model.GetType().Name} does not implement Process, and its sizes are unknown: it is not an IRnnModel.");
        }

        int perStep = rows * rnn.InputSize;
        if (inputs % perStep != 0)
        {
            throw new ArgumentException($"inputs must hold InputSize = {rnn.InputSize} floats per stream ({perStep}) per step, but holds {inputs}.", nameof(inputs));
        }

        int steps = inputs / perStep;
        if (outputs != (long)steps * rows * rnn.OutputSize)
        {
            throw new ArgumentException($"outputs must hold OutputSize = {rnn.OutputSize} floats per stream per step ({(long)steps * rows * rnn.OutputSize}), but holds {outputs}.", nameof(outputs));
        }

        return (steps, rnn.InputSize, rnn.OutputSize);
    }
}
