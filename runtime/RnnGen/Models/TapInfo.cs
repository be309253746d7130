namespace RnnGen
{
    /// <summary>
    /// One value a generated model's taps hold at each step: a layer's named cell value (a gate, the cell
    /// state, tanh(c)) or state, and where it is in the model's <c>TapSize</c> floats per step.
    /// </summary>
    /// <param name="Layer">The recurrent layer, 0 nearest the input (stacked layers counted one by one).</param>
    /// <param name="Name">The value's name in the cell's definition: i, f, g, o, c, tanhC, h for an LSTM; r, z, n, h for a GRU.</param>
    /// <param name="Offset">Its first float in a step's taps.</param>
    /// <param name="Width">Its floats: the layer's hidden size for a gate, the state's width for a state.</param>
    /// <param name="State">
    /// The layer state this value is the new value of: 0 for the layer's output (h), 1 for its second state (an
    /// LSTM's c), −1 for any other value.
    /// </param>
    public sealed record TapInfo(int Layer, string Name, int Offset, int Width, int State);
}
