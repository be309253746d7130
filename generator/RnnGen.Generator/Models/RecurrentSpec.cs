namespace RnnGen.Generator.Models;

/// <summary>The nonlinearity of an Elman RNN cell (mirrors <c>RnnGen.RnnActivation</c>).</summary>
internal enum CellActivation
{
    /// <summary>Hyperbolic tangent.</summary>
    Tanh = 0,

    /// <summary>Rectified linear unit.</summary>
    Relu = 1,
}

/// <summary>One recurrent attribute (possibly several stacked layers). Must stay cacheable: plain values only.</summary>
/// <param name="Cell">The cell, as a definition (see docs/cells.md).</param>
/// <param name="Name">Parameter-name prefix.</param>
/// <param name="Hidden">Hidden size of every layer of this attribute.</param>
/// <param name="Layers">Number of stacked layers (PyTorch's <c>num_layers</c>).</param>
/// <param name="InputDropout">Dropout probability on the first layer's input (a [Dropout] declared before the attribute), or 0.</param>
/// <param name="Dropout">Dropout probability between the stacked layers (the attribute's Dropout), or 0.</param>
/// <param name="Projection">The width of a projected output state (an LSTM's proj_size), or 0.</param>
internal sealed record RecurrentSpec(RnnGen.Generator.Cells.CellDefinition Cell, string Name, int Hidden, int Layers, double InputDropout, double Dropout, int Projection = 0)
{
    /// <summary>The width of each layer's output (and of its h state): the projection's, or Hidden.</summary>
    public int Output => Projection > 0 ? Projection : Hidden;
}
