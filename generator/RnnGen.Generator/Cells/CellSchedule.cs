using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Cells;

/// <summary>
/// Consecutive matrices of a cell applied to the same value, run as one product (their weights and
/// biases are laid out one after another).
/// </summary>
/// <param name="Index">The group's index in the cell.</param>
/// <param name="Source">The node the matrices are applied to.</param>
/// <param name="Segments">The blocks of each matrix in the group, in memory order: (matrix, first block, blocks).</param>
/// <param name="Rows">Rows of the fused product (Σ blocks · rows).</param>
/// <param name="Columns">The width of the source.</param>
/// <param name="HasBias">Whether every matrix has a bias (a group has biases on all its matrices or on none).</param>
/// <param name="Level">The phase whose start runs the product; hoisted groups (applied to x) have level 0.</param>
internal sealed record ProductGroup(int Index, int Source, IReadOnlyList<(int Matrix, int FirstBlock, int Blocks)> Segments, int Rows, int Columns, bool HasBias, int Level)
{
    public bool Hoisted => Level == 0;

    /// <summary>The matrix the group starts in (its weights begin at <see cref="FirstBlock"/> of it).</summary>
    public int Matrix => Segments[0].Matrix;

    /// <summary>The block of <see cref="Matrix"/> the group starts at.</summary>
    public int FirstBlock => Segments[0].FirstBlock;
}

/// <summary>Where a materialised value is kept for the rest of the step and for the backward pass.</summary>
/// <param name="Node">The node.</param>
/// <param name="Overlay">The hoisted group whose block it overwrites, or −1 for a buffer of its own.</param>
/// <param name="Offset">The offset of that block in the group's rows.</param>
/// <param name="Width">Its width.</param>
internal sealed record KeptValue(int Node, int Overlay, int Offset, int Width);

/// <summary>What a backward kernel writes: an adjoint into a place, stored or added.</summary>
internal sealed record AdjointWrite(CellPlace Place, int Expr, bool Accumulate);

/// <summary>The kinds of memory a cell kernel reads or writes, one row per batch entry (or stream).</summary>
internal enum CellPlaceKind
{
    /// <summary>Rows of hoisted group Index's product: x·Wᵀ + b for the step (then kept values).</summary>
    Hoisted,

    /// <summary>Rows of per-step group Index's product for the step.</summary>
    Projection,

    /// <summary>State Index before the step.</summary>
    StateOld,

    /// <summary>State Index after the step (the same memory as StateOld in a streaming step).</summary>
    StateNew,

    /// <summary>Kept value Index (a node) in a buffer of its own.</summary>
    Kept,

    /// <summary>The layer's input x_t.</summary>
    Input,

    /// <summary>Vector parameter Index (the same row for every batch entry).</summary>
    Vector,

    /// <summary>d(loss)/d(h_t) from above.</summary>
    FromAbove,

    /// <summary>The carried adjoint of state Index.</summary>
    Carry,

    /// <summary>d(loss)/d(product of group Index) rows for the step.</summary>
    ProductGradient,

    /// <summary>The adjoint of kept node Index within the step.</summary>
    ValueGradient,

    /// <summary>d(loss)/d(x_t) rows.</summary>
    InputGradient,

    /// <summary>The per-batch-entry gradient accumulator of vector parameter Index.</summary>
    VectorGradient,
}

/// <summary>A place a kernel reads or writes: a kind, whose (node, group, state, parameter), and a constant offset in its row.</summary>
internal sealed record CellPlace(CellPlaceKind Kind, int Index, int Offset);

/// <summary>One phase of a step: the products that start it, then one element-wise kernel.</summary>
internal sealed class CellPhase
{
    public CellPhase(int level) => Level = level;

    public int Level { get; }

    /// <summary>The per-step products run before the kernel.</summary>
    public List<ProductGroup> Products { get; } = new();

    /// <summary>The nodes the kernel computes, in topological order.</summary>
    public List<int> Nodes { get; } = new();

    /// <summary>What the forward kernel stores: (place, node).</summary>
    public List<(CellPlace Place, int Node)> Stores { get; } = new();

    /// <summary>What the backward kernel writes.</summary>
    public List<AdjointWrite> Writes { get; } = new();

    /// <summary>Adjoints of kept values whose first writer is this phase's products: cleared before them.</summary>
    public List<int> ClearBeforeProducts { get; } = new();

    public bool HasForwardKernel => Stores.Count > 0;

    public bool HasBackwardKernel => Writes.Count > 0;
}

/// <summary>
/// A cell definition lowered for concrete sizes: its product groups, phases, kept values and
/// backward pass (docs/cells.md, Scheduling a step). Roslyn-free.
/// </summary>
internal sealed class CellSchedule
{
    private readonly int[] _level;
    private readonly int[] _phase;
    private readonly bool[] _needed;

    private CellSchedule(CellDefinition cell, int hidden, int projection, int input)
    {
        Cell = cell;
        Hidden = hidden;
        Projection = projection;
        InputSize = input;
        int n = cell.Nodes.Count;
        _level = new int[n];
        _phase = Enumerable.Repeat(-1, n).ToArray();
        _needed = new bool[n];
    }

    public CellDefinition Cell { get; }

    /// <summary>Whether the kernels evaluate sigmoid and tanh as the runtime's rational approximations (<c>ActivationMath.Rational</c>).</summary>
    public bool Rational { get; private set; }

    public int Hidden { get; }

    public int Projection { get; }

    public int InputSize { get; }

    public IReadOnlyList<ProductGroup> Groups { get; private set; } = Array.Empty<ProductGroup>();

    public IReadOnlyList<CellPhase> Phases { get; private set; } = Array.Empty<CellPhase>();

    /// <summary>Values kept in memory, by node.</summary>
    public IReadOnlyDictionary<int, KeptValue> Kept => _kept;

    /// <summary>Kept nodes whose adjoint travels between phases (a ValueGradient row each).</summary>
    public IReadOnlyList<int> ValueGradients { get; private set; } = Array.Empty<int>();

    /// <summary>For each group, the group whose ProductGradient rows it shares (its own index if none).</summary>
    public IReadOnlyList<int> GradientOf { get; private set; } = Array.Empty<int>();

    /// <summary>Whether x is read element-wise (its gradient then has a part written during the time loop).</summary>
    public bool InputElementwise { get; private set; }

    /// <summary>Problems that make the definition unusable, in words (empty for a valid cell).</summary>
    public IReadOnlyList<string> Problems => _problems;

    public AdjointGraph Adjoints { get; } = new();

    /// <summary>The node an adjoint expression is the whole adjoint of, where it is one (for readable names).</summary>
    public IReadOnlyDictionary<int, int> AdjointOf => _adjointOf;

    private readonly Dictionary<int, int> _adjointOf = new();

    private readonly Dictionary<int, KeptValue> _kept = new();
    private readonly HashSet<(int Group, int Offset)> _pinned = new();
    private readonly List<string> _problems = new();

    public int Width(CellWidth width) => width switch
    {
        CellWidth.Hidden => Hidden,
        CellWidth.Projection => Projection,
        _ => InputSize,
    };

    public int StateWidth(int state) => Width(Cell.States[state].Width);

    /// <summary>The width of a node's value.</summary>
    public int NodeWidth(int node)
    {
        var n = Cell.Nodes[node];
        return n.Op switch
        {
            CellOp.Input => InputSize,
            CellOp.State => StateWidth(n.Index),
            CellOp.Product => Width(Cell.Parameters[n.Index].Rows),
            _ => Hidden,
        };
    }

    /// <summary>The group of a product node, and the node's offset in the group's rows.</summary>
    public (ProductGroup Group, int Offset) GroupOf(int productNode)
    {
        var n = Cell.Nodes[productNode];
        foreach (var g in Groups)
        {
            int offset = 0;
            foreach (var (m, first, blocks) in g.Segments)
            {
                int rows = Width(Cell.Parameters[m].Rows);
                if (m == n.Index && n.Block >= first && n.Block < first + blocks)
                {
                    return (g, offset + ((n.Block - first) * rows));
                }

                offset += blocks * rows;
            }
        }

        throw new InvalidOperationException("product of an unknown matrix block");
    }

    /// <summary>Whether a group is the hidden product h·W_hhᵀ + b_hh: the first per-step group applied to the output state.</summary>
    public bool IsHiddenProduct(ProductGroup g) =>
        Groups.FirstOrDefault(x => !x.Hoisted && Cell.Nodes[x.Source] is { Op: CellOp.State, Index: 0 }) is { } first && first.Index == g.Index;

    /// <summary>Which state a node is the new value of, or −1.</summary>
    public int StateOf(int node)
    {
        for (int k = 0; k < Cell.States.Count; k++)
        {
            if (Cell.States[k].Next == node)
            {
                return k;
            }
        }

        return -1;
    }

    /// <summary>The phase that writes state <paramref name="state"/>'s new value.</summary>
    public int StatePhase(int state)
    {
        int next = Cell.States[state].Next;
        return Cell.Nodes[next].IsLeaf ? Math.Max(_level[next], 0) : _phase[next];
    }

    /// <summary>The phase whose kernel computes an inner node, or −1.</summary>
    public int PhaseOf(int node) => _phase[node];

    /// <summary>Whether the step computes a node (a value no state depends on is never computed).</summary>
    public bool IsNeeded(int node) => _needed[node];

    public bool IsSinglePhase => Phases.Count(p => p.HasForwardKernel || p.Products.Count > 0) == 1;

    public static CellSchedule Create(CellDefinition cell, int hidden, int projection, int input, bool rational = false)
    {
        var s = new CellSchedule(cell, hidden, projection, input) { Rational = rational };
        s.Build();
        return s;
    }

    private void Build()
    {
        var nodes = Cell.Nodes;
        BuildGroups();
        if (_problems.Count > 0)
        {
            return;
        }

        // Levels: x, states, vectors and constants are there from the start; a product of x is hoisted;
        // any other product comes one phase after its source.
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            _level[i] = n.Op switch
            {
                CellOp.Input or CellOp.State or CellOp.Vector or CellOp.Constant => 0,
                CellOp.Product => nodes[n.A].Op == CellOp.Input ? 0 : _level[n.A] + 1,
                _ => Math.Max(_level[n.A], n.B >= 0 ? _level[n.B] : 0),
            };
        }

        Groups = Groups.Select(g => g.Hoisted ? g : g with { Level = _level[g.Source] + 1 }).ToList();

        // Needed: everything the new states depend on.
        var users = new List<int>[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            users[i] = new List<int>();
        }

        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            if (n.A >= 0)
            {
                users[n.A].Add(i);
            }

            if (n.B >= 0 && n.B != n.A)
            {
                users[n.B].Add(i);
            }
        }

        var stack = new Stack<int>(Cell.States.Select(st => st.Next));
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            if (_needed[i])
            {
                continue;
            }

            _needed[i] = true;
            var n = nodes[i];
            if (n.A >= 0)
            {
                stack.Push(n.A);
            }

            if (n.B >= 0)
            {
                stack.Push(n.B);
            }
        }

        bool IsProductSource(int i) => users[i].Any(u => _needed[u] && nodes[u].Op == CellOp.Product);

        // Phases: a product source or a new state as early as it can be; any other value in the phase
        // of its first user, so it is computed where it is used.
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            if (!_needed[i] || nodes[i].IsLeaf)
            {
                continue;
            }

            if (IsProductSource(i) || StateOf(i) >= 0)
            {
                _phase[i] = _level[i];
            }
            else
            {
                int first = users[i].Where(u => _needed[u] && !nodes[u].IsLeaf).Select(u => _phase[u]).DefaultIfEmpty(_level[i]).Min();
                _phase[i] = Math.Max(_level[i], first);
            }
        }

        int phaseCount = 1 + Math.Max(
            Enumerable.Range(0, nodes.Count).Where(i => _needed[i]).Select(i => nodes[i].IsLeaf ? _level[i] : _phase[i]).DefaultIfEmpty(0).Max(),
            Enumerable.Range(0, Cell.States.Count).Select(StatePhase).DefaultIfEmpty(0).Max());
        var phases = Enumerable.Range(0, phaseCount).Select(l => new CellPhase(l)).ToList();
        foreach (var g in Groups.Where(g => !g.Hoisted))
        {
            phases[g.Level].Products.Add(g);
        }

        for (int i = 0; i < nodes.Count; i++)
        {
            if (_phase[i] >= 0)
            {
                phases[_phase[i]].Nodes.Add(i);
            }

            if (_needed[i] && nodes[i].Op == CellOp.Input && users[i].Any(u => _needed[u] && nodes[u].Op != CellOp.Product))
            {
                InputElementwise = true;
            }
        }

        Phases = phases;
        CheckStateWrites(users);
        if (_problems.Count > 0)
        {
            return;
        }

        // Kept for the forward pass: the sources of products (weight gradients read them for every
        // step, so each has a buffer of its own) and values read by a later phase.
        var valueGradients = new List<int>();
        for (int i = 0; i < nodes.Count; i++)
        {
            if (_phase[i] < 0)
            {
                continue;
            }

            bool source = IsProductSource(i);
            bool later = users[i].Any(u => _phase[u] > _phase[i]);
            // A state's new value lives in the state's rows, except that a product reading it gets a
            // copy of its own (the weight gradients read every step's rows of a product's source).
            if ((source || later) && (StateOf(i) < 0 || source))
            {
                _kept[i] = new KeptValue(i, -1, 0, NodeWidth(i));
            }

            if (source || later)
            {
                valueGradients.Add(i);
            }
        }

        ValueGradients = valueGradients;
        Differentiate();
        AssignOverlays(users);
        PlanStores();

        // An only hoisted product as wide as the output state that nothing keeps, no backward kernel
        // reads and only the phase that writes the state reads can be computed into the state's rows
        // t + 1 (Forward), which the cell then overwrites in place: the Elman RNN's shape.
        var hoisted = Groups.Where(g => g.Hoisted).ToList();
        HoistedIntoState = hoisted.Count == 1 && hoisted[0].Rows == StateWidth(0)
            && !_kept.Values.Any(k => k.Overlay == hoisted[0].Index) && !_pinned.Any(p => p.Group == hoisted[0].Index)
            && Enumerable.Range(0, nodes.Count).Where(i => nodes[i].Op == CellOp.Product && GroupOf(i).Group.Hoisted)
                .All(i => users[i].All(u => _phase[u] < 0 || _phase[u] == StatePhase(0)));
    }

    /// <summary>
    /// Whether Forward computes the hoisted product into the output state's rows t + 1, the cell then
    /// overwriting them in place (a streaming step still uses scratch: its state is the previous one).
    /// </summary>
    public bool HoistedIntoState { get; private set; }

    /// <summary>
    /// Product groups: runs of matrix blocks applied to the same value whose weights (and biases) follow
    /// each other in memory, in parameter order. A matrix may feed several groups (a GRU with the reset
    /// gate before the product applies the n block of weight_hh to r ⊙ h and the others to h).
    /// </summary>
    private void BuildGroups()
    {
        var nodes = Cell.Nodes;
        var parameters = Cell.Parameters;
        var source = new Dictionary<(int Matrix, int Block), int>();
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            if (n.Op != CellOp.Product)
            {
                continue;
            }

            if (source.TryGetValue((n.Index, n.Block), out int other) && other != n.A)
            {
                _problems.Add($"block {n.Block} of matrix '{parameters[n.Index].Name}' is applied to two different values");
                return;
            }

            source[(n.Index, n.Block)] = n.A;
            if (nodes[n.A].Op is CellOp.Vector or CellOp.Constant or CellOp.Product)
            {
                _problems.Add($"matrix '{parameters[n.Index].Name}' is applied to a parameter, a constant or a product directly");
                return;
            }
        }

        var groups = new List<ProductGroup>();
        List<(int Matrix, int FirstBlock, int Blocks)>? current = null;
        int currentSource = -1, lastMatrix = -1, lastBlock = -1;
        bool currentBias = false;
        void Close()
        {
            if (current is not null)
            {
                int rows = current.Sum(seg => seg.Blocks * Width(parameters[seg.Matrix].Rows));
                // Per-step groups get their level once node levels are known (Build).
                int level = nodes[currentSource].Op == CellOp.Input ? 0 : -1;
                groups.Add(new ProductGroup(groups.Count, currentSource, current, rows, NodeWidth(currentSource), currentBias, level));
            }

            current = null;
        }

        for (int m = 0; m < parameters.Count; m++)
        {
            if (parameters[m].Kind != CellParameterKind.Matrix)
            {
                continue;
            }

            bool bias = parameters[m].Bias >= 0;
            for (int b = 0; b < parameters[m].Blocks; b++)
            {
                if (!source.TryGetValue((m, b), out int from))
                {
                    Close();
                    continue;
                }

                // The next block of the same matrix, or block 0 of the next matrix (biases adjacent too).
                bool next = m == lastMatrix ? b == lastBlock + 1
                    : b == 0 && lastMatrix >= 0 && lastBlock == parameters[lastMatrix].Blocks - 1 && AdjacentMatrices(lastMatrix, m)
                        && (!bias || parameters[m].Bias == parameters[lastMatrix].Bias + 1);
                if (current is null || from != currentSource || bias != currentBias || !next)
                {
                    Close();
                    current = new List<(int, int, int)>();
                    currentSource = from;
                    currentBias = bias;
                }

                var last = current.Count > 0 ? current[current.Count - 1] : (-1, 0, 0);
                if (last.Item1 == m)
                {
                    current[current.Count - 1] = (m, last.Item2, last.Item3 + 1);
                }
                else
                {
                    current.Add((m, b, 1));
                }

                lastMatrix = m;
                lastBlock = b;
            }
        }

        Close();
        Groups = groups;
    }

    /// <summary>Whether matrix <paramref name="b"/> directly follows matrix <paramref name="a"/> in the parameter list (its bias aside).</summary>
    private bool AdjacentMatrices(int a, int b)
    {
        for (int m = a + 1; m < b; m++)
        {
            if (Cell.Parameters[m].Kind != CellParameterKind.Bias)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A new state is written by the last phase that reads the old one (Step updates a state in place).</summary>
    private void CheckStateWrites(List<int>[] users)
    {
        var nodes = Cell.Nodes;
        for (int k = 0; k < Cell.States.Count; k++)
        {
            int write = StatePhase(k);
            int old = Enumerable.Range(0, nodes.Count).FirstOrDefault(i => nodes[i].Op == CellOp.State && nodes[i].Index == k && _needed[i]);
            if (!_needed[old] || nodes[old].Op != CellOp.State)
            {
                continue;
            }

            foreach (int u in users[old].Where(u => _needed[u]))
            {
                int read = nodes[u].Op == CellOp.Product ? GroupOf(u).Group.Level : _phase[u];
                if (read > write)
                {
                    _problems.Add($"state '{Cell.States[k].Name}' is read after its new value is computed, in a later phase");
                    return;
                }
            }
        }
    }

    /// <summary>Runs the differentiation phase by phase, last first, and records what each backward kernel writes.</summary>
    private void Differentiate()
    {
        var nodes = Cell.Nodes;
        var written = new HashSet<CellPlace>();
        var gradientOf = Enumerable.Range(0, Groups.Count).ToArray();
        var blockAdjoints = new Dictionary<int, int>[Groups.Count];
        for (int g = 0; g < Groups.Count; g++)
        {
            blockAdjoints[g] = new Dictionary<int, int>();
        }

        var pendingWrites = new List<(int Phase, CellPlace Place, int Expr)>();
        for (int l = Phases.Count - 1; l >= 0; l--)
        {
            var phase = Phases[l];
            var adjoints = new Dictionary<int, int>();
            void Seed(int node, int expr) => adjoints[node] = adjoints.TryGetValue(node, out int e) ? Adjoints.Binary(AdjointOp.Add, e, expr) : expr;

            for (int k = 0; k < Cell.States.Count; k++)
            {
                if (StatePhase(k) != l)
                {
                    continue;
                }

                int carry = Adjoints.Seed(new CellSeed(CellSeedKind.Carry, k));
                Seed(Cell.States[k].Next, k == 0 ? Adjoints.Binary(AdjointOp.Add, Adjoints.Seed(new CellSeed(CellSeedKind.FromAbove, 0)), carry) : carry);
            }

            foreach (int v in ValueGradients.Where(v => _phase[v] == l))
            {
                Seed(v, Adjoints.Seed(new CellSeed(CellSeedKind.Value, v)));
            }

            Differentiation.Propagate(Cell, Adjoints, phase.Nodes, adjoints);
            foreach (var pair in adjoints)
            {
                bool better = !_adjointOf.TryGetValue(pair.Value, out int named) || (Cell.Names[named].Length == 0 && Cell.Names[pair.Key].Length > 0);
                if (better && Adjoints.Exprs[pair.Value].Op != AdjointOp.Seed)
                {
                    _adjointOf[pair.Value] = pair.Key;
                }
            }

            // A new state written here whose value is a leaf (a product, say) passes its adjoint to that leaf.
            foreach (var pair in adjoints.OrderBy(p => p.Key))
            {
                int node = pair.Key;
                var n = nodes[node];
                if (_phase[node] == l && !n.IsLeaf)
                {
                    continue;
                }

                CellPlace? place = n.Op switch
                {
                    CellOp.Product => new CellPlace(CellPlaceKind.ProductGradient, GroupOf(node).Group.Index, GroupOf(node).Offset),
                    CellOp.State => new CellPlace(CellPlaceKind.Carry, n.Index, 0),
                    CellOp.Input => new CellPlace(CellPlaceKind.InputGradient, 0, 0),
                    CellOp.Vector => new CellPlace(CellPlaceKind.VectorGradient, n.Index, n.Block * Hidden),
                    CellOp.Constant => null,
                    _ => new CellPlace(CellPlaceKind.ValueGradient, node, 0),
                };
                if (place is null)
                {
                    continue;
                }

                if (n.Op == CellOp.Product)
                {
                    blockAdjoints[GroupOf(node).Group.Index][GroupOf(node).Offset] = pair.Value;
                }

                pendingWrites.Add((l, place, pair.Value));
            }

            // The carried adjoint of a state written here is stored here even when the old state is not
            // read element-wise: later phases and the products add to it.
            for (int k = 0; k < Cell.States.Count; k++)
            {
                if (StatePhase(k) == l && !pendingWrites.Any(w => w.Phase == l && w.Place.Kind == CellPlaceKind.Carry && w.Place.Index == k))
                {
                    pendingWrites.Add((l, new CellPlace(CellPlaceKind.Carry, k, 0), Adjoints.Constant(0f)));
                }
            }
        }

        // Two groups whose every block gets the same adjoint expression share their gradient rows (an
        // LSTM's x- and h-products, summed gate by gate).
        foreach (var g in Groups.Where(g => !g.Hoisted))
        {
            foreach (var x in Groups.Where(x => x.Hoisted && x.Rows == g.Rows))
            {
                var a = blockAdjoints[g.Index];
                var b = blockAdjoints[x.Index];
                if (a.Count > 0 && a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out int e) && e == p.Value))
                {
                    gradientOf[g.Index] = x.Index;
                    break;
                }
            }
        }

        GradientOf = gradientOf;

        // Stores and additions, in the order the backward pass runs: phases last to first.
        foreach (var (l, place, expr) in pendingWrites)
        {
            var target = place.Kind == CellPlaceKind.ProductGradient ? place with { Index = gradientOf[place.Index] } : place;
            if (place.Kind == CellPlaceKind.ProductGradient && gradientOf[place.Index] != place.Index)
            {
                continue;
            }

            bool accumulate = target.Kind == CellPlaceKind.VectorGradient || !written.Add(target);
            Phases[l].Writes.Add(new AdjointWrite(target, expr, accumulate));
        }

        // A kept value's adjoint written first by a product's input gradient is cleared before it.
        for (int l = Phases.Count - 1; l >= 0; l--)
        {
            foreach (var g in Phases[l].Products)
            {
                if (!Cell.Nodes[g.Source].IsLeaf && !Phases.Where(p => p.Level >= l).Any(p => p.Writes.Any(w => w.Place.Kind == CellPlaceKind.ValueGradient && w.Place.Index == g.Source)))
                {
                    Phases[l].ClearBeforeProducts.Add(g.Source);
                }
            }
        }
    }

    /// <summary>
    /// What the backward pass reads decides what else is kept: the outputs of transcendental functions
    /// and of per-step products; arithmetic on available values is recomputed. A kept value takes the
    /// place of a hoisted block that no later phase and no backward kernel reads.
    /// </summary>
    private void AssignOverlays(List<int>[] users)
    {
        var nodes = Cell.Nodes;
        var pinned = _pinned;
        var visited = new HashSet<int>();

        // Remembered per node: a value used twice (u · u) must not double the walk at every level. What
        // is kept only grows, so a node once available stays available.
        var available = new Dictionary<int, bool>();
        bool Available(int node)
        {
            if (available.TryGetValue(node, out bool known) && known)
            {
                return true;
            }

            var n = nodes[node];
            bool result = StateOf(node) >= 0 || _kept.ContainsKey(node) || n.Op switch
            {
                CellOp.Input or CellOp.State or CellOp.Vector or CellOp.Constant => true,
                CellOp.Product => GroupOf(node).Group.Hoisted,
                // a transcendental value is kept (Ensure keeps it); arithmetic is recomputed from its operands
                _ => n.IsTranscendental || (Available(n.A) && (n.B < 0 || Available(n.B))),
            };
            available[node] = result;
            return result;
        }

        void Ensure(int node)
        {
            if (!visited.Add(node))
            {
                return;
            }

            var n = nodes[node];
            if (StateOf(node) >= 0 || _kept.ContainsKey(node) || n.Op is CellOp.Input or CellOp.State or CellOp.Vector or CellOp.Constant)
            {
                return;
            }

            if (n.Op == CellOp.Product)
            {
                var (group, offset) = GroupOf(node);
                if (group.Hoisted)
                {
                    pinned.Add((group.Index, offset));
                }
                else
                {
                    _kept[node] = new KeptValue(node, -1, 0, NodeWidth(node));
                }

                return;
            }

            if (!n.IsTranscendental && Available(node))
            {
                Ensure(n.A);
                if (n.B >= 0)
                {
                    Ensure(n.B);
                }
            }
            else
            {
                _kept[node] = new KeptValue(node, -1, 0, NodeWidth(node));
            }
        }

        foreach (var e in Adjoints.Exprs)
        {
            if (e.Op == AdjointOp.Forward)
            {
                Ensure(e.Node);
            }
        }

        // The last phase that reads each hoisted block.
        var lastRead = new Dictionary<(int, int), int>();
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Op == CellOp.Product && GroupOf(i).Group.Hoisted)
            {
                var key = (GroupOf(i).Group.Index, GroupOf(i).Offset);
                lastRead[key] = users[i].Where(u => _phase[u] >= 0).Select(u => _phase[u]).DefaultIfEmpty(0).Max();
            }
        }

        var taken = new HashSet<(int, int)>(pinned);
        foreach (int node in _kept.Keys.OrderBy(k => k).ToList())
        {
            var kept = _kept[node];
            if (nodes[node].Op == CellOp.Product || users[node].Any(u => nodes[u].Op == CellOp.Product) || kept.Width != Hidden)
            {
                continue;
            }

            int phase = _phase[node];
            (int, int)? choice = null;
            foreach (var candidate in HoistedBlocksUnder(node).Concat(lastRead.Keys.OrderBy(k => k)))
            {
                if (!taken.Contains(candidate) && lastRead.TryGetValue(candidate, out int read) && read <= phase && BlockWidth(candidate) == Hidden)
                {
                    choice = candidate;
                    break;
                }
            }

            if (choice is { } c)
            {
                taken.Add(c);
                _kept[node] = kept with { Overlay = c.Item1, Offset = c.Item2 };
            }
        }
    }

    private int BlockWidth((int Group, int Offset) block)
    {
        for (int i = 0; i < Cell.Nodes.Count; i++)
        {
            if (Cell.Nodes[i].Op == CellOp.Product && GroupOf(i) is var (g, o) && g.Index == block.Group && o == block.Offset)
            {
                return NodeWidth(i);
            }
        }

        return 0;
    }

    /// <summary>The hoisted blocks a node reads within its own phase, nearest first.</summary>
    private IEnumerable<(int, int)> HoistedBlocksUnder(int node) => HoistedBlocksUnder(node, new HashSet<int>());

    /// <summary>Depth first, each node once: its blocks were found the first time it was reached.</summary>
    private IEnumerable<(int, int)> HoistedBlocksUnder(int node, HashSet<int> visited)
    {
        if (!visited.Add(node))
        {
            yield break;
        }

        var n = Cell.Nodes[node];
        if (n.Op == CellOp.Product)
        {
            if (GroupOf(node).Group.Hoisted)
            {
                yield return (GroupOf(node).Group.Index, GroupOf(node).Offset);
            }

            yield break;
        }

        if (n.IsLeaf)
        {
            yield break;
        }

        foreach (int operand in new[] { n.A, n.B })
        {
            if (operand >= 0 && (Cell.Nodes[operand].IsLeaf || _phase[operand] == _phase[node]))
            {
                foreach (var b in HoistedBlocksUnder(operand, visited))
                {
                    yield return b;
                }
            }
        }
    }

    /// <summary>Each forward kernel stores its phase's kept values and new states.</summary>
    private void PlanStores()
    {
        foreach (var kept in _kept.Values.OrderBy(k => k.Node))
        {
            var n = Cell.Nodes[kept.Node];
            int phase = n.Op == CellOp.Product ? GroupOf(kept.Node).Group.Level : _phase[kept.Node];
            Phases[phase].Stores.Add((KeptPlace(kept.Node), kept.Node));
        }

        for (int k = 0; k < Cell.States.Count; k++)
        {
            Phases[StatePhase(k)].Stores.Add((new CellPlace(CellPlaceKind.StateNew, k, 0), Cell.States[k].Next));
        }
    }

    /// <summary>Where a kept node lives.</summary>
    public CellPlace KeptPlace(int node)
    {
        var kept = _kept[node];
        return kept.Overlay >= 0
            ? new CellPlace(CellPlaceKind.Hoisted, kept.Overlay, kept.Offset)
            : new CellPlace(CellPlaceKind.Kept, node, 0);
    }

}
