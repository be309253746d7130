// The example of a cell written in C#, exactly as the documentation gives it (global namespace).
using RnnGen;
using RnnGen.Cells;
using static RnnGen.Cells.CellMath;

/// <summary>Minimal gated unit (Zhou et al. 2016): one gate.</summary>
[RecurrentCell]
public static partial class MinimalGatedUnit
{
    public static void Step(Units x, ref Units h, CellParameters p)
    {
        Units f = Sigmoid(p.Linear("wf", x) + p.Linear("uf", h) + p.Bias("f"));
        Units n = Tanh(p.Linear("wn", x) + p.Linear("un", f * h) + p.Bias("n"));
        h = (1 - f) * h + f * n;
    }
}

[RnnModel(SequenceLength = 32, BatchSize = 16)]
[Input(Features = 8)]
[Cell(typeof(MinimalGatedUnit), Hidden = 48, Layers = 2)]
[Dense(Outputs = 3, Readout = RnnReadout.LastStep)]
[SoftmaxCrossEntropy]
public partial class GestureMgu;
