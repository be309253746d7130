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

// The same task with the other cells (--cell): the same embedding, two layers of 128 and head.
// MUT1 and MUT2 add the input itself to their state, so their embedding is 128 wide.

/// <summary>LSTM with peephole connections (--cell peephole).</summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 32)]
[Lstm(Hidden = 128, Layers = 2, Peepholes = true)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharPeephole;

/// <summary>LSTM with coupled input and forget gates (--cell coupled).</summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 32)]
[Lstm(Hidden = 128, Layers = 2, CoupledGates = true)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharCoupled;

/// <summary>GRU (--cell gru).</summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 32)]
[Gru(Hidden = 128, Layers = 2)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharGru;

/// <summary>GRU with the reset gate before the hidden product (--cell gru-reset-before).</summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 32)]
[Gru(Hidden = 128, Layers = 2, ResetAfter = false)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharGruResetBefore;

/// <summary>MUT1 (--cell mut1).</summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Mut(Hidden = 128, Layers = 2, Variant = MutVariant.Mut1)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharMut1;

/// <summary>MUT2 (--cell mut2).</summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Mut(Hidden = 128, Layers = 2, Variant = MutVariant.Mut2)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharMut2;

/// <summary>MUT3 (--cell mut3).</summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 32)]
[Mut(Hidden = 128, Layers = 2, Variant = MutVariant.Mut3)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharMut3;

/// <summary>The minimal gated unit (--cell mgu), a cell written in C# (MinimalGatedUnit.cs).</summary>
[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 32)]
[Cell(typeof(MinimalGatedUnit), Hidden = 128, Layers = 2)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class CharMgu;
