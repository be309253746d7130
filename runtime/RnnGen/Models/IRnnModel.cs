using System;
using System.Collections.Generic;

namespace RnnGen;

/// <summary>
/// What every generated model has, whatever its input and loss: sizes, parameters, gradient
/// control and weight files. Lets code (trainers, tools, tests) work with any model.
/// </summary>
public interface IRnnModel : IDisposable
{
    /// <summary>Time steps per sequence in a batch.</summary>
    int SequenceLength { get; }

    /// <summary>Sequences per batch.</summary>
    int BatchSize { get; }

    /// <summary>The vocabulary size (token models) or the features per step (float-input models).</summary>
    int InputSize { get; }

    /// <summary>Outputs per time step.</summary>
    int OutputSize { get; }

    /// <summary>The trainable tensors with PyTorch's names and shapes.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Whether a training step adds to the gradients instead of overwriting them.</summary>
    bool AccumulateGradients { get; set; }

    /// <summary>
    /// Gets or sets how many threads whole-batch work (forward, training, evaluation) uses, 1 to 64.
    /// Results are bit-for-bit the same for every value.
    /// </summary>
    int Threads { get; set; }

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>Re-initialises the parameters with PyTorch's default distributions.</summary>
    /// <param name="seed">Seed of the initialisation.</param>
    void ResetParameters(int seed);

    /// <summary>Writes the parameters to a safetensors file.</summary>
    /// <param name="path">Destination file.</param>
    void Save(string path);

    /// <summary>Reads the parameters from a safetensors file; on error the model is unchanged.</summary>
    /// <param name="path">Source file.</param>
    void Load(string path);
}
