using System;

namespace RnnGen;

/// <summary>The recurrent state of one stream of a generated model (its nested <c>State</c> class).</summary>
public interface IRecurrentState : IDisposable
{
    /// <summary>Number of recurrent layers, stacked layers counted one by one.</summary>
    int LayerCount { get; }

    /// <summary>Sets every hidden and cell value to zero, as at the start of a sequence.</summary>
    void Reset();

    /// <summary>The hidden state h of one layer, readable and writable.</summary>
    /// <param name="layer">Layer index, 0 … LayerCount − 1 (0 is nearest the input).</param>
    /// <returns>A view of the state's memory.</returns>
    Span<float> Hidden(int layer);

    /// <summary>The cell state c of an LSTM layer, readable and writable.</summary>
    /// <param name="layer">Layer index, 0 … LayerCount − 1; the layer must be an LSTM.</param>
    /// <returns>A view of the state's memory.</returns>
    /// <exception cref="InvalidOperationException">The layer is not an LSTM.</exception>
    Span<float> Cell(int layer);

    /// <summary>Copies this state into <paramref name="destination"/>, a state of the same model type.</summary>
    /// <param name="destination">The state to overwrite.</param>
    void CopyTo(IRecurrentState destination);
}
