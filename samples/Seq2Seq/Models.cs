using RnnGen;

namespace Seq2Seq;

/// <summary>
/// Reads a word's letters (tokens 1 … 27: a–z and the apostrophe). Two of them make a bidirectional
/// encoder: one reads the word forwards, one backwards, and the memory the decoder attends over is
/// their outputs side by side, [forward_j ; backward_j], a 64-wide projection of each one's hidden
/// state at letter j. The forward one's final state is the decoder's initial state. Their own loss
/// is never used: they learn only from the gradients the decoder sends back (<c>Backward</c>).
/// </summary>
[RnnModel(SequenceLength = 20, BatchSize = 64)]
[Embedding(Vocabulary = 28, Dimensions = 32)]
[Dropout(0.1)]
[Lstm(Hidden = 128)]
[Dropout(0.1)]
[Dense(Outputs = 64)]
[MeanSquaredError]
public partial class SpellingEncoder;

/// <summary>
/// Writes the pronunciation one phoneme at a time (tokens 1 … 39; token 0 starts and ends it) with two
/// stacked LSTM layers, attending over both encoders' outputs at every step. The first layer starts
/// from the forward encoder's final state, the second from zero.
/// </summary>
[RnnModel(SequenceLength = 21, BatchSize = 64)]
[Embedding(Vocabulary = 40, Dimensions = 32)]
[Dropout(0.1)]
[Lstm(Hidden = 128, Layers = 2, Dropout = 0.1)]
[Dropout(0.1)]
[Attention(MemorySize = 128, MemoryLength = 20, Units = 64)]
[Dense(Outputs = 40)]
[SoftmaxCrossEntropy]
public partial class PhonemeDecoder;
