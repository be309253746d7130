namespace RnnGen.Generator.Models;

/// <summary>The input layer of a model. Must stay cacheable: plain values only.</summary>
/// <param name="IsEmbedding"><see langword="true"/> for <c>[Embedding]</c> (token ids), <see langword="false"/> for <c>[Input]</c> (float vectors).</param>
/// <param name="Name">The parameter-name prefix (embedding only).</param>
/// <param name="Vocabulary">Number of token ids (embedding only; 0 otherwise).</param>
/// <param name="Features">Width of the vector fed to the first recurrent layer: the embedding dimension or the feature count.</param>
internal sealed record InputSpec(bool IsEmbedding, string Name, int Vocabulary, int Features);

/// <summary>The conditioning vector that sets every layer's initial state. Must stay cacheable: plain values only.</summary>
/// <param name="Name">Parameter-name prefix.</param>
/// <param name="Features">Size of the conditioning vector.</param>
internal sealed record ConditionSpec(string Name, int Features);

/// <summary>Additive attention over a memory, between the recurrent layers and the head. Must stay cacheable: plain values only.</summary>
/// <param name="Name">Parameter-name prefix.</param>
/// <param name="MemorySize">Size of each memory vector.</param>
/// <param name="MemoryLength">Memory vectors per sequence.</param>
/// <param name="Units">Size of the attention's hidden layer.</param>
internal sealed record AttentionSpec(string Name, int MemorySize, int MemoryLength, int Units);
