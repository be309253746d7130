using RnnGen.Generator.Models;

namespace RnnGen.Generator.Cells;

/// <summary>The operation of one value of a cell's step (see docs/cells.md).</summary>
internal enum CellOp
{
    /// <summary>The layer's input x_t (element-wise use needs its width to be H).</summary>
    Input,

    /// <summary>The previous value of state <see cref="CellNode.Index"/>.</summary>
    State,

    /// <summary>Block <see cref="CellNode.Block"/> of matrix parameter <see cref="CellNode.Index"/> applied to node <see cref="CellNode.A"/>, plus its bias.</summary>
    Product,

    /// <summary>Row <see cref="CellNode.Block"/> of vector parameter <see cref="CellNode.Index"/>, a learned per-unit value.</summary>
    Vector,

    /// <summary>The constant <see cref="CellNode.Constant"/> in every unit.</summary>
    Constant,

    Add,
    Subtract,
    Multiply,
    Negate,
    Sigmoid,
    Tanh,
    Relu,
    Exp,
    Softsign,
    HardSigmoid,
}

/// <summary>The symbolic width of a value: the hidden size, the projection size, or the layer's input width.</summary>
internal enum CellWidth
{
    Hidden,
    Projection,
    Input,
}

/// <summary>How a parameter of a cell is used.</summary>
internal enum CellParameterKind
{
    /// <summary>A [blocks · rows, columns] matrix applied to one value.</summary>
    Matrix,

    /// <summary>The bias of a matrix, [blocks · rows], added by its product.</summary>
    Bias,

    /// <summary>Per-unit weights used element-wise, [blocks, rows] (or [rows] for one block).</summary>
    Vector,
}

/// <summary>
/// One value of a cell's step. Operands are indices of earlier nodes, so a definition's node list is
/// in topological order. Must stay cacheable: plain values only.
/// </summary>
internal sealed record CellNode(CellOp Op, int A = -1, int B = -1, int Index = -1, int Block = 0, float Constant = 0f)
{
    public bool IsLeaf => Op is CellOp.Input or CellOp.State or CellOp.Product or CellOp.Vector or CellOp.Constant;

    /// <summary>Whether the value costs a transcendental function (kept rather than recomputed by the backward pass).</summary>
    public bool IsTranscendental => Op is CellOp.Sigmoid or CellOp.Tanh or CellOp.Exp or CellOp.Softsign;
}

/// <summary>A state vector carried from step to step. Must stay cacheable.</summary>
/// <param name="Name">Its name: h, c, …; also the suffix of its [Condition] parameters.</param>
/// <param name="Width">Its width.</param>
/// <param name="Next">The node that is its new value.</param>
/// <param name="ConditionTanh">Whether [Condition] sets its initial value through tanh (the output state) or linearly.</param>
internal sealed record CellState(string Name, CellWidth Width, int Next, bool ConditionTanh);

/// <summary>A learned tensor of a cell. Must stay cacheable.</summary>
/// <param name="Name">Its name in the state dict, without layer prefix and suffix: weight_ih, bias_hh, weight_peephole.</param>
/// <param name="Kind">Matrix, bias or vector.</param>
/// <param name="Blocks">Blocks of <paramref name="Rows"/> rows (gates).</param>
/// <param name="Rows">The width of one block.</param>
/// <param name="Columns">A matrix's columns: the width of the value it is applied to.</param>
/// <param name="Bias">For a matrix, the index of its bias parameter, or −1.</param>
internal sealed record CellParameter(string Name, CellParameterKind Kind, int Blocks, CellWidth Rows, CellWidth Columns, int Bias);

/// <summary>
/// A recurrent cell as values: its states, its parameters in state-dict order, and its step as a graph.
/// The built-in cells and user cells have this one form; nothing else in the generator names a cell.
/// Must stay cacheable: plain values only.
/// </summary>
/// <param name="Name">The kernel-name prefix, unique per distinct definition: Lstm, GruResetBefore, RnnTanh, MyCell.</param>
/// <param name="Title">The cell's name in comments: "LSTM", "GRU".</param>
/// <param name="Equations">The step in words, one line each, for the generated kernels' comments.</param>
/// <param name="States">The states; the first is the layer's output.</param>
/// <param name="Parameters">The parameters, in state-dict (and memory) order.</param>
/// <param name="Nodes">The step, in topological order.</param>
/// <param name="Comments">A comment per node (or empty): the equation a value implements.</param>
/// <param name="Names">A name per node (or empty), for the generated code's variables and buffers.</param>
internal sealed record CellDefinition(
    string Name,
    string Title,
    EquatableArray<string> Equations,
    EquatableArray<CellState> States,
    EquatableArray<CellParameter> Parameters,
    EquatableArray<CellNode> Nodes,
    EquatableArray<string> Comments,
    EquatableArray<string> Names);
