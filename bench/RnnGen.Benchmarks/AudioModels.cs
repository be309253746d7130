using RnnGen;

// RTNeural's own benchmark shapes: one input sample, a recurrent layer of 8 to 64 units, one output
// sample (LSTM 1 → 40 → 1 is Lstm1x40 in Models.cs). bench/rtneural/run.sh times them against RTNeural.
namespace RnnGen.Benchmarks;

/// <summary>LSTM 1 → 8 → 1.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 1)]
[Lstm(Hidden = 8)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioLstm8;

/// <summary>LSTM 1 → 16 → 1.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 1)]
[Lstm(Hidden = 16)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioLstm16;

/// <summary>LSTM 1 → 32 → 1.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 1)]
[Lstm(Hidden = 32)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioLstm32;

/// <summary>LSTM 1 → 64 → 1.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 1)]
[Lstm(Hidden = 64)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioLstm64;

/// <summary>GRU 1 → 8 → 1.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 1)]
[Gru(Hidden = 8)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioGru8;

/// <summary>GRU 1 → 16 → 1.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 1)]
[Gru(Hidden = 16)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioGru16;

/// <summary>GRU 1 → 32 → 1.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 1)]
[Gru(Hidden = 32)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioGru32;

/// <summary>GRU 1 → 40 → 1.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 1)]
[Gru(Hidden = 40)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioGru40;

/// <summary>GRU 1 → 64 → 1.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1)]
[Input(Features = 1)]
[Gru(Hidden = 64)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioGru64;
