using RnnGen.Generator.Models;

namespace RnnGen.Generator.Cells;

/// <summary>
/// The built-in cells as definitions, with PyTorch's parameter names, shapes, gate order and math.
/// Each is written once here; Planning and Emission know them only through their definitions.
/// </summary>
internal static class BuiltInCells
{
    /// <summary>
    /// Elman RNN (<c>nn.RNN</c>): h_t = act(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh).
    /// </summary>
    public static CellDefinition Rnn(CellActivation activation)
    {
        string act = activation == CellActivation.Relu ? "relu" : "tanh";
        var c = new CellBuilder();
        int h = c.State("h", CellWidth.Hidden, conditionTanh: true);
        int x = c.Input();
        var (wih, whh) = PyTorchProjections(c, 1);
        int a = c.Add(c.Product(wih, 0, x), c.Product(whh, 0, h));
        int next = c.Unary(activation == CellActivation.Relu ? CellOp.Relu : CellOp.Tanh, a, $"h_t = {act}(W_ih·x_t + b_ih + W_hh·h_{{t−1}} + b_hh)", "h");
        return c.Build(
            activation == CellActivation.Relu ? "RnnRelu" : "RnnTanh",
            activation == CellActivation.Relu ? "RNN-ReLU" : "RNN-tanh",
            [$"h_t = {act}(W_ih·x_t + b_ih + W_hh·h_{{t−1}} + b_hh)"],
            next);
    }

    /// <summary>
    /// LSTM (<c>nn.LSTM</c>), gates (i, f, g, o): c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t).
    /// With <paramref name="peepholes"/> (Gers &amp; Schmidhuber 2000) the gates also see the cell:
    /// i and f through p ⊙ c_{t−1}, o through p ⊙ c_t, with the per-unit weights weight_peephole
    /// [gates, H] (rows i, f, o). With <paramref name="coupled"/> there is no input gate: the gates
    /// are (f, g, o) and c_t = f ⊙ c_{t−1} + (1 − f) ⊙ g. With <paramref name="projection"/>
    /// (PyTorch's proj_size) h has the projection's width: h_t = W_hr·(o_t ⊙ tanh(c_t)), weight_hr
    /// [P, H] after the biases, and weight_hh reads the P-wide h.
    /// </summary>
    public static CellDefinition Lstm(bool peepholes = false, bool coupled = false, bool projection = false)
    {
        var c = new CellBuilder();
        int h = c.State("h", projection ? CellWidth.Projection : CellWidth.Hidden, conditionTanh: true);
        int cell = c.State("c", CellWidth.Hidden, conditionTanh: false);
        int x = c.Input();
        int gates = coupled ? 3 : 4;
        var (wih, whh) = PyTorchProjections(c, gates, projection ? CellWidth.Projection : CellWidth.Hidden);
        int whr = projection ? c.Matrix("weight_hr", 1, CellWidth.Projection, CellWidth.Hidden, bias: null) : -1;
        int peephole = peepholes ? c.VectorParameter("weight_peephole", coupled ? 2 : 3) : -1;
        int Gate(int k) => c.Add(c.Product(wih, k, x), c.Product(whh, k, h));
        int Peep(int gate, int row, int value) => peepholes ? c.Add(gate, c.Multiply(c.Vector(peephole, row), value)) : gate;
        string peepOld = peepholes ? " + p_{0} ⊙ c_{{t−1}}" : "";
        int block = 0, row = 0;
        int i = -1;
        if (!coupled)
        {
            i = c.Unary(CellOp.Sigmoid, Peep(Gate(block++), row++, cell), string.Format("i_t = σ(W_ii·x_t + b_ii + W_hi·h_{{t−1}} + b_hi{0})", string.Format(peepOld, "i")), "i");
        }

        int f = c.Unary(CellOp.Sigmoid, Peep(Gate(block++), row++, cell), string.Format("f_t = σ(W_if·x_t + b_if + W_hf·h_{{t−1}} + b_hf{0})", string.Format(peepOld, "f")), "f");
        int g = c.Unary(CellOp.Tanh, Gate(block++), "g_t = tanh(W_ig·x_t + b_ig + W_hg·h_{t−1} + b_hg)", "g");
        int cNext = coupled
            ? c.Add(c.Multiply(f, cell), c.Multiply(c.Subtract(c.Constant(1f), f), g), "c_t = f_t ⊙ c_{t−1} + (1 − f_t) ⊙ g_t", "c")
            : c.Add(c.Multiply(f, cell), c.Multiply(i, g), "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t", "c");
        int o = c.Unary(CellOp.Sigmoid, Peep(Gate(block), row, cNext), "o_t = σ(W_io·x_t + b_io + W_ho·h_{t−1} + b_ho" + (peepholes ? " + p_o ⊙ c_t)" : ")"), "o");
        int tanhC = c.Unary(CellOp.Tanh, cNext, name: "tanhC");
        int hNext = projection
            ? c.Product(whr, 0, c.Multiply(o, tanhC, "o_t ⊙ tanh(c_t), the value W_hr projects", "hCell"), "h")
            : c.Multiply(o, tanhC, "h_t = o_t ⊙ tanh(c_t)", "h");
        string name = "Lstm" + (peepholes ? "Peephole" : "") + (coupled ? "Coupled" : "") + (projection ? "Projected" : "");
        string title = "LSTM" + (peepholes ? ", peepholes" : "") + (coupled ? ", coupled gates" : "") + (projection ? ", projected" : "");
        return c.Build(
            name, title,
            [
                coupled
                    ? "f, o = σ(W·x_t + b + U·h_{t−1} + b'" + (peepholes ? " + p ⊙ c" : "") + "); g = tanh(W_g·x_t + b_g + U_g·h_{t−1} + b'_g)"
                    : "i, f, o = σ(W·x_t + b + U·h_{t−1} + b'" + (peepholes ? " + p ⊙ c" : "") + "); g = tanh(W_g·x_t + b_g + U_g·h_{t−1} + b'_g)",
                (coupled ? "c_t = f ⊙ c_{t−1} + (1 − f) ⊙ g; " : "c_t = f ⊙ c_{t−1} + i ⊙ g; ") + (projection ? "h_t = W_hr·(o ⊙ tanh(c_t))" : "h_t = o ⊙ tanh(c_t)"),
            ],
            hNext, cNext);
    }

    /// <summary>
    /// GRU (<c>nn.GRU</c>), gates (r, z, n): h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}. With
    /// <paramref name="resetAfter"/> (PyTorch's form) the reset gate scales the hidden product,
    /// n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)); without it (Cho et al. 2014, Keras
    /// reset_after=False, ONNX linear_before_reset=0) it scales h before the product,
    /// n = tanh(W_in·x + b_in + W_hn·(r ⊙ h) + b_hn), which takes a second product per step.
    /// </summary>
    public static CellDefinition Gru(bool resetAfter = true)
    {
        var c = new CellBuilder();
        int h = c.State("h", CellWidth.Hidden, conditionTanh: true);
        int x = c.Input();
        var (wih, whh) = PyTorchProjections(c, 3);
        int r = c.Unary(CellOp.Sigmoid, c.Add(c.Product(wih, 0, x), c.Product(whh, 0, h)), "r_t = σ(W_ir·x_t + b_ir + W_hr·h_{t−1} + b_hr)", "r");
        int z = c.Unary(CellOp.Sigmoid, c.Add(c.Product(wih, 1, x), c.Product(whh, 1, h)), "z_t = σ(W_iz·x_t + b_iz + W_hz·h_{t−1} + b_hz)", "z");
        int n = resetAfter
            ? c.Unary(CellOp.Tanh, c.Add(c.Product(wih, 2, x), c.Multiply(r, c.Product(whh, 2, h, "hiddenN"))), "n_t = tanh(W_in·x_t + b_in + r_t ⊙ (W_hn·h_{t−1} + b_hn))", "n")
            : c.Unary(CellOp.Tanh, c.Add(c.Product(wih, 2, x), c.Product(whh, 2, c.Multiply(r, h, "r_t ⊙ h_{t−1}, the value W_hn reads", "resetH"), "hiddenN")), "n_t = tanh(W_in·x_t + b_in + W_hn·(r_t ⊙ h_{t−1}) + b_hn)", "n");
        int hNext = c.Add(n, c.Multiply(z, c.Subtract(h, n)), "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1} = n_t + z_t ⊙ (h_{t−1} − n_t)", "h");
        return c.Build(
            resetAfter ? "Gru" : "GruResetBefore", resetAfter ? "GRU" : "GRU, reset before the product",
            [
                resetAfter
                    ? "r, z = σ(W·x_t + b + U·h_{t−1} + b'); n = tanh(W_n·x_t + b_n + r ⊙ (U_n·h_{t−1} + b'_n))"
                    : "r, z = σ(W·x_t + b + U·h_{t−1} + b'); n = tanh(W_n·x_t + b_n + U_n·(r ⊙ h_{t−1}) + b'_n)",
                "h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}",
            ],
            hNext);
    }

    /// <summary>
    /// MUT1, MUT2 and MUT3 (Jozefowicz et al. 2015), as printed:
    /// h_{t+1} = tanh(W_hh·(r ⊙ h_t) + … + b_h) ⊙ z + h_t ⊙ (1 − z). Matrices applied to x come first
    /// (one hoisted product), then those applied to h, then W_hh, then the biases, each bias carried by
    /// a product it is added to.
    /// </summary>
    /// <param name="variant">1, 2 or 3.</param>
    public static CellDefinition Mut(int variant)
    {
        var c = new CellBuilder();
        int h = c.State("h", CellWidth.Hidden, conditionTanh: true);
        int x = c.Input();
        int Matrix(string name, CellWidth columns) => c.MatrixBiasLater(name, 1, CellWidth.Hidden, columns);
        int wxz = Matrix("weight_xz", CellWidth.Input);
        int wxr = variant != 2 ? Matrix("weight_xr", CellWidth.Input) : -1;
        int wxh = variant != 1 ? Matrix("weight_xh", CellWidth.Input) : -1;
        int whz = variant != 1 ? Matrix("weight_hz", CellWidth.Hidden) : -1;
        int whr = Matrix("weight_hr", CellWidth.Hidden);
        int whh = Matrix("weight_hh", CellWidth.Hidden);

        // Each bias rides on a product its sum contains, so the products stay fused.
        c.BiasOf(variant == 2 ? whz : wxz, "bias_z");
        c.BiasOf(variant == 2 ? whr : wxr, "bias_r");
        c.BiasOf(variant == 3 ? wxh : whh, "bias_h");

        int z, r;
        string zText, rText, hText;
        switch (variant)
        {
            case 1:
                zText = "z = σ(W_xz·x_t + b_z)";
                z = c.Unary(CellOp.Sigmoid, c.Product(wxz, 0, x), zText, "z");
                rText = "r = σ(W_xr·x_t + W_hr·h_t + b_r)";
                r = c.Unary(CellOp.Sigmoid, c.Add(c.Product(wxr, 0, x), c.Product(whr, 0, h)), rText, "r");
                break;
            case 2:
                zText = "z = σ(W_xz·x_t + W_hz·h_t + b_z)";
                z = c.Unary(CellOp.Sigmoid, c.Add(c.Product(wxz, 0, x), c.Product(whz, 0, h)), zText, "z");
                rText = "r = σ(x_t + W_hr·h_t + b_r)";
                r = c.Unary(CellOp.Sigmoid, c.Add(x, c.Product(whr, 0, h)), rText, "r");
                break;
            default:
                zText = "z = σ(W_xz·x_t + W_hz·tanh(h_t) + b_z)";
                z = c.Unary(CellOp.Sigmoid, c.Add(c.Product(wxz, 0, x), c.Product(whz, 0, c.Unary(CellOp.Tanh, h, "tanh(h_t), the value W_hz reads", "tanhH"))), zText, "z");
                rText = "r = σ(W_xr·x_t + W_hr·h_t + b_r)";
                r = c.Unary(CellOp.Sigmoid, c.Add(c.Product(wxr, 0, x), c.Product(whr, 0, h)), rText, "r");
                break;
        }

        int resetH = c.Multiply(r, h, "r ⊙ h_t, the value W_hh reads", "resetH");
        int candidate = variant == 1
            ? c.Add(c.Product(whh, 0, resetH), c.Unary(CellOp.Tanh, x, "tanh(x_t)", "tanhX"))
            : c.Add(c.Product(whh, 0, resetH), c.Product(wxh, 0, x));
        hText = variant == 1 ? "h_{t+1} = tanh(W_hh·(r ⊙ h_t) + tanh(x_t) + b_h) ⊙ z + h_t ⊙ (1 − z)" : "h_{t+1} = tanh(W_hh·(r ⊙ h_t) + W_xh·x_t + b_h) ⊙ z + h_t ⊙ (1 − z)";
        int n = c.Unary(CellOp.Tanh, candidate, name: "n");
        int hNext = c.Add(c.Multiply(n, z), c.Multiply(h, c.Subtract(c.Constant(1f), z)), hText, "h");
        string v = variant.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return c.Build("Mut" + v, "MUT" + v, [zText, rText, hText], hNext);
    }

    /// <summary>
    /// PyTorch's recurrent parameters: weight_ih [G·H, input] applied to x, weight_hh [G·H, H] applied to
    /// h, then their biases bias_ih and bias_hh, in that (state-dict) order.
    /// </summary>
    private static (int WeightIh, int WeightHh) PyTorchProjections(CellBuilder c, int gates, CellWidth hidden = CellWidth.Hidden)
    {
        int wih = c.MatrixBiasLater("weight_ih", gates, CellWidth.Hidden, CellWidth.Input);
        int whh = c.MatrixBiasLater("weight_hh", gates, CellWidth.Hidden, hidden);
        c.BiasOf(wih, "bias_ih");
        c.BiasOf(whh, "bias_hh");
        return (wih, whh);
    }
}
