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
    /// are (f, g, o) and c_t = f ⊙ c_{t−1} + (1 − f) ⊙ g.
    /// </summary>
    public static CellDefinition Lstm(bool peepholes = false, bool coupled = false)
    {
        var c = new CellBuilder();
        int h = c.State("h", CellWidth.Hidden, conditionTanh: true);
        int cell = c.State("c", CellWidth.Hidden, conditionTanh: false);
        int x = c.Input();
        int gates = coupled ? 3 : 4;
        var (wih, whh) = PyTorchProjections(c, gates);
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
        int hNext = c.Multiply(o, tanhC, "h_t = o_t ⊙ tanh(c_t)", "h");
        string name = "Lstm" + (peepholes ? "Peephole" : "") + (coupled ? "Coupled" : "");
        string title = "LSTM" + (peepholes ? ", peepholes" : "") + (coupled ? ", coupled gates" : "");
        return c.Build(
            name, title,
            [
                coupled
                    ? "f, o = σ(W·x_t + b + U·h_{t−1} + b'" + (peepholes ? " + p ⊙ c" : "") + "); g = tanh(W_g·x_t + b_g + U_g·h_{t−1} + b'_g)"
                    : "i, f, o = σ(W·x_t + b + U·h_{t−1} + b'" + (peepholes ? " + p ⊙ c" : "") + "); g = tanh(W_g·x_t + b_g + U_g·h_{t−1} + b'_g)",
                coupled ? "c_t = f ⊙ c_{t−1} + (1 − f) ⊙ g; h_t = o ⊙ tanh(c_t)" : "c_t = f ⊙ c_{t−1} + i ⊙ g; h_t = o ⊙ tanh(c_t)",
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
    /// PyTorch's recurrent parameters: weight_ih [G·H, input] applied to x, weight_hh [G·H, H] applied to
    /// h, then their biases bias_ih and bias_hh, in that (state-dict) order.
    /// </summary>
    private static (int WeightIh, int WeightHh) PyTorchProjections(CellBuilder c, int gates)
    {
        int wih = c.MatrixBiasLater("weight_ih", gates, CellWidth.Hidden, CellWidth.Input);
        int whh = c.MatrixBiasLater("weight_hh", gates, CellWidth.Hidden, CellWidth.Hidden);
        c.BiasOf(wih, "bias_ih");
        c.BiasOf(whh, "bias_hh");
        return (wih, whh);
    }
}
