using RnnGen;

namespace NameGen;

/// <summary>
/// A character-level name model whose initial state comes from a category vector (one-hot, up to
/// eight categories): h₀ = tanh(W_h·c + b_h), c₀ = W_c·c + b_c. Token 0 marks the start and the end
/// of a name; tokens 1 … 26 are the letters a … z.
/// </summary>
[RnnModel(SequenceLength = 16, BatchSize = 32)]
[Embedding(Vocabulary = 27, Dimensions = 16)]
[Condition(Features = 8)]
[Lstm(Hidden = 96)]
[Dense(Outputs = 27)]
[SoftmaxCrossEntropy]
public partial class NameModel;
