using RnnGen;
using RnnGen.Cells;
using static RnnGen.Cells.CellMath;

namespace RnnGen.Benchmarks;

// One training task per cell (the `train_cell_*` rows): 65 tokens embedded in 128 dimensions (MUT1
// and MUT2 add their input to their state), one layer of 128 units, a dense head to 65 logits,
// T = 64, B = 32, one thread. bench/side_by_side.py trains the same cells written as loops in PyTorch.

[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Lstm(Hidden = 128)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class TrainLstm;

[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Lstm(Hidden = 128, Peepholes = true)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class TrainPeephole;

[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Lstm(Hidden = 128, CoupledGates = true)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class TrainCoupled;

[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Gru(Hidden = 128)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class TrainGru;

[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Gru(Hidden = 128, ResetAfter = false)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class TrainGruResetBefore;

[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Mut(Hidden = 128, Variant = MutVariant.Mut1)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class TrainMut1;

[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Mut(Hidden = 128, Variant = MutVariant.Mut2)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class TrainMut2;

[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Mut(Hidden = 128, Variant = MutVariant.Mut3)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class TrainMut3;

[RnnModel(SequenceLength = 64, BatchSize = 32)]
[Embedding(Vocabulary = 65, Dimensions = 128)]
[Cell(typeof(MinimalGatedUnit), Hidden = 128)]
[Dense(Outputs = 65)]
[SoftmaxCrossEntropy]
public partial class TrainMgu;

/// <summary>Minimal gated unit (Zhou et al. 2016), written in C#.</summary>
[RecurrentCell]
public static class MinimalGatedUnit
{
    public static void Step(Units x, ref Units h, CellParameters p)
    {
        Units f = Sigmoid(p.Linear("wf", x) + p.Linear("uf", h) + p.Bias("f"));
        Units n = Tanh(p.Linear("wn", x) + p.Linear("un", f * h) + p.Bias("n"));
        h = (1 - f) * h + f * n;
    }
}
