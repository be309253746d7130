using RnnGen;

// The shapes of the performance table: streaming models run at batch 1, one step at a time.
namespace RnnGen.Benchmarks;

/// <summary>LSTM 64 → 128 with a 64-wide dense head (the RTNeural comparison shape).</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 64)]
[Lstm(Hidden = 128)]
[Dense(Outputs = 64)]
[MeanSquaredError]
public partial class Lstm64x128;

/// <summary>The same shape with peephole connections (Gers &amp; Schmidhuber 2000).</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 64)]
[Lstm(Hidden = 128, Peepholes = true)]
[Dense(Outputs = 64)]
[MeanSquaredError]
public partial class PeepholeLstm64x128;

/// <summary>LSTM 64 → 128 for whole-sequence forward passes at batch 32.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Input(Features = 64)]
[Lstm(Hidden = 128)]
[Dense(Outputs = 64)]
[MeanSquaredError]
public partial class Lstm64x128Batch32;

/// <summary>GRU 64 → 128 with a 64-wide dense head.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 64)]
[Gru(Hidden = 128)]
[Dense(Outputs = 64)]
[MeanSquaredError]
public partial class Gru64x128;

/// <summary>LSTM 1 → 40 → 1: the small audio-effect model.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 1)]
[Lstm(Hidden = 40)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class Lstm1x40;

/// <summary>The character model of samples/CharRnn.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 32)]
[Lstm(Hidden = 128, Layers = 2)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharLstm;
