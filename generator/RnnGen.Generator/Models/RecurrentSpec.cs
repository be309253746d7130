namespace RnnGen.Generator.Models;

/// <summary>The kind of recurrent cell.</summary>
internal enum CellKind
{
    /// <summary>Elman RNN: h' = act(W_ih·x + b_ih + W_hh·h + b_hh).</summary>
    Rnn,

    /// <summary>LSTM with PyTorch's gate order (i, f, g, o).</summary>
    Lstm,

    /// <summary>GRU with PyTorch's gate order (r, z, n), reset applied to (W_hn·h + b_hn).</summary>
    Gru,
}

/// <summary>The nonlinearity of an Elman RNN cell (mirrors <c>RnnGen.RnnActivation</c>).</summary>
internal enum CellActivation
{
    /// <summary>Hyperbolic tangent.</summary>
    Tanh = 0,

    /// <summary>Rectified linear unit.</summary>
    Relu = 1,
}

/// <summary>One recurrent attribute (possibly several stacked layers). Must stay cacheable: plain values only.</summary>
/// <param name="Kind">Cell kind.</param>
/// <param name="Name">Parameter-name prefix.</param>
/// <param name="Hidden">Hidden size of every layer of this attribute.</param>
/// <param name="Layers">Number of stacked layers (PyTorch's <c>num_layers</c>).</param>
/// <param name="Activation">Nonlinearity (Elman RNN only).</param>
/// <param name="InputDropout">Dropout probability on the first layer's input (a [Dropout] declared before the attribute), or 0.</param>
/// <param name="Dropout">Dropout probability between the stacked layers (the attribute's Dropout), or 0.</param>
internal sealed record RecurrentSpec(CellKind Kind, string Name, int Hidden, int Layers, CellActivation Activation, double InputDropout, double Dropout);
