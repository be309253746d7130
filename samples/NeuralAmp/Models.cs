using RnnGen;

namespace NeuralAmp;

// The amp models: one audio sample in, one out, an LSTM in between (the shape of NeuralAmpModeler's
// LSTM presets and of Wright et al.'s "Real-time guitar amplifier emulation with deep learning").
// Training reads batches of 16 audio segments, 512 samples at a time, the state carried from one
// window to the next (truncated backpropagation through time).

/// <summary>LSTM 1→16 + Dense 1: the default, 1,233 parameters.</summary>
[RnnModel(SequenceLength = 512, BatchSize = 16)]
[Input(Features = 1)]
[Lstm(Hidden = 16)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AmpLstm16;

/// <summary>LSTM 1→32 + Dense 1 (<c>--hidden 32</c>), 4,513 parameters.</summary>
[RnnModel(SequenceLength = 512, BatchSize = 16)]
[Input(Features = 1)]
[Lstm(Hidden = 32)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AmpLstm32;

// The same models with rational sigmoid and tanh (ActivationMath.Rational): the trained weights are
// copied into them to deploy the effect with a shorter step (a few 1e-7 off per activation).

/// <summary>AmpLstm16 with rational activations, for deployment.</summary>
[RnnModel(SequenceLength = 512, BatchSize = 16, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Lstm(Hidden = 16)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AmpLstm16Rational;

/// <summary>AmpLstm32 with rational activations, for deployment.</summary>
[RnnModel(SequenceLength = 512, BatchSize = 16, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Lstm(Hidden = 32)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class AmpLstm32Rational;
