using System.Collections.Generic;
using RnnGen.Generator.Models;

namespace RnnGen.Generator.Cells;

/// <summary>
/// Builds a <see cref="CellDefinition"/>: each method adds a node and returns its index, so a
/// definition reads like its equations.
/// </summary>
internal sealed class CellBuilder
{
    private readonly List<CellNode> _nodes = new();
    private readonly List<string> _comments = new();
    private readonly List<string> _names = new();
    private readonly List<CellParameter> _parameters = new();
    private readonly List<(string Name, CellWidth Width, bool ConditionTanh)> _states = new();
    private readonly Dictionary<CellNode, int> _leaves = new();

    /// <summary>Declares a state and returns the node of its previous value.</summary>
    public int State(string name, CellWidth width, bool conditionTanh)
    {
        _states.Add((name, width, conditionTanh));
        return Name(Add(new CellNode(CellOp.State, Index: _states.Count - 1)), name + "Prev");
    }

    /// <summary>The layer input x_t.</summary>
    public int Input() => Name(Add(new CellNode(CellOp.Input)), "x");

    /// <summary>Declares a matrix of <paramref name="blocks"/> blocks (with an optional bias, declared after it) and returns its parameter index.</summary>
    public int Matrix(string name, int blocks, CellWidth rows, CellWidth columns, string? bias)
    {
        int index = _parameters.Count;
        _parameters.Add(new CellParameter(name, CellParameterKind.Matrix, blocks, rows, columns, bias is null ? -1 : index + 1));
        if (bias is not null)
        {
            _parameters.Add(new CellParameter(bias, CellParameterKind.Bias, blocks, rows, columns, -1));
        }

        return index;
    }

    /// <summary>
    /// Declares a matrix whose bias is declared later (PyTorch's order weight_ih, weight_hh, bias_ih,
    /// bias_hh); <see cref="BiasOf"/> adds the bias.
    /// </summary>
    public int MatrixBiasLater(string name, int blocks, CellWidth rows, CellWidth columns)
    {
        _parameters.Add(new CellParameter(name, CellParameterKind.Matrix, blocks, rows, columns, -1));
        return _parameters.Count - 1;
    }

    /// <summary>Adds the bias of matrix <paramref name="matrix"/> at the current position of the state dict.</summary>
    public void BiasOf(int matrix, string name)
    {
        var m = _parameters[matrix];
        _parameters.Add(new CellParameter(name, CellParameterKind.Bias, m.Blocks, m.Rows, m.Columns, -1));
        _parameters[matrix] = m with { Bias = _parameters.Count - 1 };
    }

    /// <summary>Declares a vector parameter of <paramref name="blocks"/> rows of H.</summary>
    public int VectorParameter(string name, int blocks)
    {
        _parameters.Add(new CellParameter(name, CellParameterKind.Vector, blocks, CellWidth.Hidden, CellWidth.Hidden, -1));
        return _parameters.Count - 1;
    }

    /// <summary>Block <paramref name="block"/> of <paramref name="matrix"/> applied to <paramref name="source"/>.</summary>
    public int Product(int matrix, int block, int source, string? name = null) => Name(Add(new CellNode(CellOp.Product, A: source, Index: matrix, Block: block)), name);

    public int Vector(int parameter, int block) => Add(new CellNode(CellOp.Vector, Index: parameter, Block: block));

    public int Constant(float value) => Add(new CellNode(CellOp.Constant, Constant: value));

    public int Add(int a, int b, string? comment = null, string? name = null) => Name(Add(new CellNode(CellOp.Add, a, b), comment), name);

    public int Subtract(int a, int b, string? comment = null, string? name = null) => Name(Add(new CellNode(CellOp.Subtract, a, b), comment), name);

    public int Multiply(int a, int b, string? comment = null, string? name = null) => Name(Add(new CellNode(CellOp.Multiply, a, b), comment), name);

    public int Negate(int a, string? comment = null, string? name = null) => Name(Add(new CellNode(CellOp.Negate, a), comment), name);

    public int Unary(CellOp op, int a, string? comment = null, string? name = null) => Name(Add(new CellNode(op, a), comment), name);

    /// <summary>Names a node for the generated code (a variable, a buffer).</summary>
    public int Name(int node, string? name)
    {
        if (name is not null)
        {
            _names[node] = name;
        }

        return node;
    }

    /// <summary>Adds a node; leaves are shared, so asking twice for h or for a constant gives one node.</summary>
    public int Add(CellNode node, string? comment = null)
    {
        if (node.IsLeaf && _leaves.TryGetValue(node, out int existing))
        {
            return existing;
        }

        _nodes.Add(node);
        _comments.Add(comment ?? "");
        _names.Add("");
        if (node.IsLeaf)
        {
            _leaves[node] = _nodes.Count - 1;
        }

        return _nodes.Count - 1;
    }

    /// <summary>The definition, with each state's new value.</summary>
    public CellDefinition Build(string name, string title, IReadOnlyList<string> equations, params int[] next)
    {
        var states = new List<CellState>();
        for (int i = 0; i < _states.Count; i++)
        {
            states.Add(new CellState(_states[i].Name, _states[i].Width, next[i], _states[i].ConditionTanh));
        }

        return new CellDefinition(
            name, title,
            new EquatableArray<string>(equations),
            new EquatableArray<CellState>(states),
            new EquatableArray<CellParameter>(_parameters),
            new EquatableArray<CellNode>(_nodes),
            new EquatableArray<string>(_comments),
            new EquatableArray<string>(_names));
    }
}
