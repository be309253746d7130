using RnnGen;

namespace CharRnn;

/// <summary>
/// The model: 65 character ids embedded in 32 dimensions, two stacked LSTM layers of 128, and a
/// dense layer back to 65 logits at every step, trained with softmax cross-entropy on windows of
/// 64 characters, 32 windows per batch. RnnGen generates everything else at build time.
/// </summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 32)]
[Lstm(Hidden = 128, Layers = 2)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharLstm;
