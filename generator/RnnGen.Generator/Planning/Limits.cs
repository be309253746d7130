namespace RnnGen.Generator.Planning;

/// <summary>
/// The bounds that keep the generator's time and memory, and the size of what it generates, in
/// proportion: a declaration past one of them is an RNNG021 diagnostic that states the limit and the
/// value, never a generator that runs out of time or memory. See docs/diagnostics.md.
/// </summary>
internal static class Limits
{
    /// <summary>
    /// Recurrent layers in one model (the sum of every attribute's Layers). Each layer has forward and
    /// backward drivers of its own and lines in the methods that create, pack and reset parameters.
    /// </summary>
    public const int MaxLayers = 64;

    /// <summary>
    /// Any one size (Hidden, Vocabulary, SequenceLength, …): 2²⁴. The generator's arithmetic on sizes
    /// and their small multiples (four gates of H) stays far from overflow; a model anywhere near
    /// it is rejected for its buffers anyway (RNNG013).
    /// </summary>
    public const int MaxSize = 1 << 24;

    /// <summary>Parameter tensors in one model: each is a line of the constructor and of ResetParameters.</summary>
    public const int MaxParameterTensors = 512;

    /// <summary>
    /// Operations of a cell written in C# (values of its definition): each is a line of every SIMD
    /// tier's forward kernel and a few of its backward kernel.
    /// </summary>
    public const int MaxCellOperations = 256;

    /// <summary>Syntax nodes of a cell's Step method, read before its operations are known.</summary>
    public const int MaxCellSyntaxNodes = 4096;

    /// <summary>
    /// Characters of generated C# for one model, both files: every distinct weight shape and cell adds
    /// kernels specialised for it, so a model with many distinct layer sizes generates a lot of code.
    /// </summary>
    public const int MaxGeneratedCharacters = 8_000_000;
}
