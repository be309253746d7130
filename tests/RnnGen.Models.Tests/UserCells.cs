using RnnGen.Cells;
using static RnnGen.Cells.CellMath;

namespace RnnGen.Models.Tests;

/// <summary>
/// A cell that uses every construct a cell may: two states, products of the input, of both states'
/// previous values and of a new state value; a bias carried by the input's product and one by a
/// state's; a bias no product can carry; a per-unit vector; every CellMath function; constants,
/// division by a number, compound assignment and unary minus.
/// </summary>
[RecurrentCell]
public static class KitchenCell
{
    public static void Step(Units input, ref Units h, ref Units m, CellParameters p)
    {
        const float Leak = 0.05f;
        Units a = Sigmoid(p.Linear("xa", input) + p.Linear("ha", h) + p.Bias("a"));
        var e = Softsign(p.Linear("xe", input) - p.Vector("decay") * m);
        Units g = HardSigmoid(p.Linear("me", m) + p.Bias("g"));
        m = a * m + (1 - a) * e / 2;
        // ReLU's two branches, each input far from the kink (so central differences hold).
        Units q = Exp(-Relu(p.Linear("mq", m) + 1f) + Relu(p.Linear("mq", m) - 1f) + p.Bias("q") * 0.5f);
        h = g * Tanh(m) + 0.1f * q;
        h -= Leak * -h;
    }
}
