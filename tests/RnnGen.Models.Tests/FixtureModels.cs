using RnnGen;

// The models of tests/Fixtures, declared exactly as tests/fixtures-src/make_fixtures.py builds
// them in PyTorch. Names, sizes and losses must match that script's table.
namespace RnnGen.Models.Tests;

[RnnModel(SequenceLength = 4, BatchSize = 3)]
[Input(Features = 3)]
[Rnn(Hidden = 5)]
[Dense(Outputs = 2)]
[MeanSquaredError]
public partial class RnnTanh;

[RnnModel(SequenceLength = 5, BatchSize = 2)]
[Embedding(Vocabulary = 7, Dimensions = 6)]
[Rnn(Hidden = 9, Layers = 2, Activation = RnnActivation.Relu)]
[Dense(Outputs = 7)]
[SoftmaxCrossEntropy]
public partial class RnnRelu2;

[RnnModel(SequenceLength = 6, BatchSize = 3)]
[Embedding(Vocabulary = 11, Dimensions = 8)]
[Lstm(Hidden = 13)]
[Dense(Outputs = 11)]
[SoftmaxCrossEntropy]
public partial class Lstm1;

[RnnModel(SequenceLength = 4, BatchSize = 2)]
[Input(Features = 5)]
[Lstm(Hidden = 20, Layers = 3)]
[Dense(Outputs = 4)]
[MeanSquaredError]
public partial class Lstm3Mse;

[RnnModel(SequenceLength = 5, BatchSize = 4)]
[Embedding(Vocabulary = 10, Dimensions = 7)]
[Gru(Hidden = 17, Layers = 2)]
[Dense(Outputs = 10)]
[SoftmaxCrossEntropy]
public partial class Gru2;

[RnnModel(SequenceLength = 3, BatchSize = 2)]
[Input(Features = 4)]
[Gru(Hidden = 33)]
[Dense(Outputs = 3)]
[MeanSquaredError]
public partial class Gru1Mse;

[RnnModel(SequenceLength = 4, BatchSize = 2)]
[Embedding(Vocabulary = 9, Dimensions = 12)]
[Lstm(Hidden = 19, Name = "enc")]
[Gru(Hidden = 24, Name = "mid")]
[Rnn(Hidden = 8, Name = "top")]
[Dense(Outputs = 9, Name = "head")]
[SoftmaxCrossEntropy]
public partial class Mixed;

[RnnModel(SequenceLength = 8, BatchSize = 4)]
[Embedding(Vocabulary = 65, Dimensions = 32)]
[Lstm(Hidden = 128, Layers = 2)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharLstm;

[RnnModel(SequenceLength = 16, BatchSize = 1)]
[Input(Features = 1)]
[Lstm(Hidden = 40)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class Lstm40;

// Edge shapes: sizes of 1, a single step, a single sequence, scalar-only tails, sizes just past a
// vector width, a ReLU layer on top of an LSTM, three stacked GRUs.
[RnnModel(SequenceLength = 1, BatchSize = 1)]
[Embedding(Vocabulary = 2, Dimensions = 1)]
[Gru(Hidden = 1)]
[Lstm(Hidden = 2)]
[Dense(Outputs = 2)]
[SoftmaxCrossEntropy]
public partial class Tiny;

[RnnModel(SequenceLength = 3, BatchSize = 5)]
[Input(Features = 7)]
[Rnn(Hidden = 100, Layers = 2)]
[Dense(Outputs = 16)]
[MeanSquaredError]
public partial class RnnWide;

[RnnModel(SequenceLength = 6, BatchSize = 2)]
[Embedding(Vocabulary = 30, Dimensions = 24)]
[Gru(Hidden = 64, Layers = 3)]
[Dense(Outputs = 30)]
[SoftmaxCrossEntropy]
public partial class Gru3;

[RnnModel(SequenceLength = 3, BatchSize = 3)]
[Input(Features = 17)]
[Lstm(Hidden = 31)]
[Rnn(Hidden = 129, Activation = RnnActivation.Relu, Name = "relu")]
[Dense(Outputs = 5, Name = "out")]
[MeanSquaredError]
public partial class LstmRelu;

// Many-to-one: the head reads the last real step, or the mean over the real steps.
[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Embedding(Vocabulary = 12, Dimensions = 6)]
[Lstm(Hidden = 16, Layers = 2)]
[Dense(Outputs = 4, Readout = RnnReadout.LastStep)]
[SoftmaxCrossEntropy]
public partial class LstmLast;

[RnnModel(SequenceLength = 4, BatchSize = 3)]
[Input(Features = 5)]
[Gru(Hidden = 10)]
[Rnn(Hidden = 7)]
[Dense(Outputs = 3, Readout = RnnReadout.Mean)]
[MeanSquaredError]
public partial class GruMean;

// One-to-many: every layer's initial state computed from a conditioning vector.
[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Embedding(Vocabulary = 8, Dimensions = 5)]
[Condition(Features = 4)]
[Lstm(Hidden = 12)]
[Gru(Hidden = 9)]
[Dense(Outputs = 8)]
[SoftmaxCrossEntropy]
public partial class CondLstm;

// Encoder–decoder: a decoder with additive attention over a memory of 6 vectors of 7.
[RnnModel(SequenceLength = 4, BatchSize = 3)]
[Embedding(Vocabulary = 9, Dimensions = 5)]
[Lstm(Hidden = 11)]
[Attention(MemorySize = 7, MemoryLength = 6, Units = 10)]
[Dense(Outputs = 9)]
[SoftmaxCrossEntropy]
public partial class AttnDecoder;

// Dropout: on the embedded input, between stacked layers, between two attributes and on the
// head's input; on the top layer's outputs before attention; with last-step and mean readouts.
[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Embedding(Vocabulary = 9, Dimensions = 6)]
[Dropout(0.25)]
[Lstm(Hidden = 10, Layers = 2, Dropout = 0.5)]
[Dropout(0.3)]
[Gru(Hidden = 7)]
[Dropout(0.2)]
[Dense(Outputs = 9)]
[SoftmaxCrossEntropy]
public partial class DropoutStack;

[RnnModel(SequenceLength = 4, BatchSize = 3)]
[Embedding(Vocabulary = 9, Dimensions = 5)]
[Lstm(Hidden = 11)]
[Dropout(0.4)]
[Attention(MemorySize = 7, MemoryLength = 6, Units = 10)]
[Dense(Outputs = 9)]
[SoftmaxCrossEntropy]
public partial class DropoutAttn;

[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Input(Features = 4)]
[Dropout(0.3)]
[Gru(Hidden = 8)]
[Dropout(0.5)]
[Dense(Outputs = 3, Readout = RnnReadout.LastStep)]
[MeanSquaredError]
public partial class DropoutLast;

[RnnModel(SequenceLength = 4, BatchSize = 3)]
[Input(Features = 3)]
[Rnn(Hidden = 6, Layers = 2, Dropout = 0.35)]
[Dropout(0.3)]
[Dense(Outputs = 2, Readout = RnnReadout.Mean)]
[MeanSquaredError]
public partial class DropoutMean;

// LSTM variants: peephole connections on two stacked layers; coupled input–forget gates, then both.
[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Input(Features = 4)]
[Lstm(Hidden = 12, Layers = 2, Peepholes = true)]
[Dense(Outputs = 3)]
[MeanSquaredError]
public partial class LstmPeephole;

[RnnModel(SequenceLength = 4, BatchSize = 2)]
[Embedding(Vocabulary = 9, Dimensions = 6)]
[Lstm(Hidden = 10, CoupledGates = true)]
[Lstm(Hidden = 17, Peepholes = true, CoupledGates = true, Name = "both")]
[Dense(Outputs = 9)]
[SoftmaxCrossEntropy]
public partial class LstmCoupled;

// A GRU with the reset gate before the hidden product (two products per step), stacked, under a PyTorch GRU.
[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Embedding(Vocabulary = 9, Dimensions = 6)]
[Gru(Hidden = 13, Layers = 2, ResetAfter = false)]
[Gru(Hidden = 7, Name = "top")]
[Dense(Outputs = 9)]
[SoftmaxCrossEntropy]
public partial class GruResetBefore;

// MUT1–3 (Jozefowicz et al. 2015), stacked; MUT1 and MUT2 add x itself, so their input is as wide as
// their state. Mut1Features's first layer reads the model's float input element-wise.
[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Embedding(Vocabulary = 9, Dimensions = 8)]
[Mut(Hidden = 8, Variant = MutVariant.Mut1, Name = "mut1")]
[Mut(Hidden = 8, Variant = MutVariant.Mut2, Name = "mut2")]
[Mut(Hidden = 11, Layers = 2, Variant = MutVariant.Mut3, Name = "mut3")]
[Dense(Outputs = 9)]
[SoftmaxCrossEntropy]
public partial class Mut;

[RnnModel(SequenceLength = 4, BatchSize = 2)]
[Input(Features = 6)]
[Mut(Hidden = 6, Layers = 2)]
[Dense(Outputs = 3)]
[MeanSquaredError]
public partial class Mut1Features;

// Cells written in C# (UserCells.cs): the minimal gated unit, stacked, and a cell of every construct
// under a second MGU layer.
[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Embedding(Vocabulary = 9, Dimensions = 8)]
[Cell(typeof(MinimalGatedUnit), Hidden = 12, Layers = 2)]
[Dense(Outputs = 9)]
[SoftmaxCrossEntropy]
public partial class Mgu;

[RnnModel(SequenceLength = 4, BatchSize = 2)]
[Input(Features = 5)]
[Cell(typeof(KitchenCell), Hidden = 10, Name = "kitchen")]
[Cell(typeof(MinimalGatedUnit), Hidden = 6, Name = "top")]
[Dense(Outputs = 3)]
[MeanSquaredError]
public partial class Kitchen;

// PyTorch's LSTM with proj_size (h_t = W_hr·(o ⊙ tanh c_t), P wide), stacked, and with peepholes.
[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Embedding(Vocabulary = 9, Dimensions = 6)]
[Lstm(Hidden = 12, Layers = 2, Projection = 5)]
[Dense(Outputs = 9)]
[SoftmaxCrossEntropy]
public partial class LstmProj;

[RnnModel(SequenceLength = 4, BatchSize = 2)]
[Input(Features = 4)]
[Lstm(Hidden = 10, Peepholes = true, Projection = 6)]
[Dense(Outputs = 3)]
[MeanSquaredError]
public partial class LstmPeepholeProj;

// Initial states from a condition vector for a projected LSTM: h₀ is P wide, c₀ H wide.
[RnnModel(SequenceLength = 4, BatchSize = 3)]
[Embedding(Vocabulary = 8, Dimensions = 5)]
[Condition(Features = 4)]
[Lstm(Hidden = 12, Projection = 5)]
[Gru(Hidden = 7)]
[Dense(Outputs = 8)]
[SoftmaxCrossEntropy]
public partial class CondProj;
