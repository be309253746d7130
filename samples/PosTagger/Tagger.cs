using RnnGen;

namespace PosTagger;

/// <summary>
/// The classic tagger: word embeddings → LSTM → a dense layer at every word over the 17 Universal
/// Dependencies part-of-speech tags.
/// </summary>
[RnnModel(SequenceLength = 32, BatchSize = 32)]
[Embedding(Vocabulary = 5000, Dimensions = 32)]
[Lstm(Hidden = 64)]
[Dense(Outputs = 17)]
[SoftmaxCrossEntropy]
public partial class Tagger;
