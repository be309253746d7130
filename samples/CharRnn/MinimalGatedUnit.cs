using RnnGen.Cells;
using static RnnGen.Cells.CellMath;

namespace CharRnn;

/// <summary>
/// Minimal gated unit (Zhou et al. 2016): one gate f does the work of the GRU's two,
/// f = σ(W_f·x + U_f·h + b_f), n = tanh(W_n·x + U_n·(f ⊙ h) + b_n), h' = (1 − f) ⊙ h + f ⊙ n.
/// RnnGen reads this method as the cell's equations, derives its backward pass and emits SIMD
/// kernels for it; the same method also runs as written on <see cref="Units"/>.
/// </summary>
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
