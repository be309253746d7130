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

// The same shapes with rational sigmoid and tanh (ActivationMath.Rational, the approximation RTNeural's
// Eigen backend evaluates): rows "audio_{kind}_{hidden}_rational".

/// <summary>LSTM 1 → 8 → 1, rational activations.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Lstm(Hidden = 8)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioRationalLstm8;

/// <summary>LSTM 1 → 16 → 1, rational activations.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Lstm(Hidden = 16)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioRationalLstm16;

/// <summary>LSTM 1 → 32 → 1, rational activations.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Lstm(Hidden = 32)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioRationalLstm32;

/// <summary>LSTM 1 → 40 → 1, rational activations.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Lstm(Hidden = 40)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioRationalLstm40;

/// <summary>LSTM 1 → 64 → 1, rational activations.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Lstm(Hidden = 64)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioRationalLstm64;

/// <summary>GRU 1 → 8 → 1, rational activations.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Gru(Hidden = 8)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioRationalGru8;

/// <summary>GRU 1 → 16 → 1, rational activations.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Gru(Hidden = 16)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioRationalGru16;

/// <summary>GRU 1 → 32 → 1, rational activations.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Gru(Hidden = 32)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioRationalGru32;

/// <summary>GRU 1 → 40 → 1, rational activations.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Gru(Hidden = 40)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioRationalGru40;

/// <summary>GRU 1 → 64 → 1, rational activations.</summary>
[RnnModel(SequenceLength = 64, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Gru(Hidden = 64)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AudioRationalGru64;
