using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>
/// Emits the matrix products a layer with an N × K weight matrix W (PyTorch layout: row n holds the
/// K weights of output n) needs, specialised for its constant N and K and emitted once per SIMD tier:
/// <list type="bullet">
/// <item><c>Pack</c>: copies Wᵀ into panels of <see cref="PanelWidth"/> columns, the layout
/// <c>Linear</c> reads (the PyTorch-layout W stays the parameter users see);</item>
/// <item><c>Linear</c>: Y = X·Wᵀ + b, the forward projection;</item>
/// <item><c>AccumulateWeightGradient</c>: dW += dYᵀ·X and db += Σ dY (backward, weights);</item>
/// <item><c>AccumulateInputGradient</c>: dX += dY·W (backward, inputs).</item>
/// </list>
/// </summary>
/// <remarks>
/// <para>
/// All three products are one register-blocked kernel, C (+)= A·B with B read a row of vectors at a
/// time: a tile of <c>RowBlock</c> rows of C × <c>TileVectors</c> vectors stays in registers while
/// the reduction runs, each element of A is broadcast once per tile row and each vector of B feeds
/// every row of the tile. There is no horizontal sum anywhere. For Linear, B = Wᵀ (packed); for the
/// input gradient, B = W itself (row-major, rows are the reduction); for the weight gradient,
/// A = dYᵀ (read with a stride) and B = X.
/// </para>
/// <para>
/// Every element of C is a chain of fused multiply–adds over the reduction in order, starting from
/// its bias or previous value, whatever the row count or tile shape. So a streaming step (one row)
/// computes bit for bit what the same row of a batched forward pass computes.
/// </para>
/// <para>
/// A tile's slice of B is read once per row block; panels (packed Wᵀ) and reduction chunks (W and X)
/// keep that slice small enough to stay in the L1 cache while every row block of C passes over it.
/// </para>
/// <para>
/// A single row at Vector512 and Vector256 reads a second copy of packed Wᵀ instead (see
/// <see cref="HasRowCopy"/>): panels as wide as its four column tiles, so that each element of x reads
/// one contiguous row of one panel rather than one row from each of four panels of 32. The values and
/// each element's chain of multiply–adds are the same, so are the bits.
/// </para>
/// </remarks>
internal static class MatrixKernelEmitter
{
    /// <summary>Columns of Wᵀ per packed panel: 32 floats, two 512-bit vectors.</summary>
    public const int PanelWidth = 32;

    /// <summary>Reduction rows per chunk when B is read in place (W or X): 128 rows × one 128-byte tile.</summary>
    private const int ReductionChunk = 128;

    /// <summary>Column tiles a single-row tile spans, so even one row keeps eight accumulators busy.</summary>
    private const int SingleRowTiles = 4;

    /// <summary>
    /// Whether an N × K matrix's packed region also holds a row copy (RnnGen.Numerics.RowPanels): Wᵀ in
    /// panels as wide as a single-row product's tiles at Vector512 and Vector256 (128 and 64 columns),
    /// right after the panels of 32, which the single-row products at those widths read instead. Over
    /// panels of 32 a single row reads one row from each of up to four panels per element of x, four
    /// streams of addresses; over a row panel, one. A matrix of one panel is one stream already. At
    /// Vector512 a single row's last group takes one or two whole tiles left after the groups of four
    /// (see <see cref="EmitColumns"/>), which in a row copy would be a panel of their own: with 1–64
    /// columns past a multiple of 128 above 128, the matrix has no row copy and its single rows read the
    /// panels of 32 as before.
    /// </summary>
    public static bool HasRowCopy(int n) => n > PanelWidth && !(n > 128 && n % 128 is > 0 and <= 64);

    /// <summary>Floats of a packed region: the panels of 32, and the row copy when there is one.</summary>
    public static long PackedLength(int n, int k) => (HasRowCopy(n) ? 2L : 1L) * n * k;

    /// <summary>The width of a row panel a tier's single-row product reads (RnnGen.Numerics.RowPanels.Width), or 0 when it reads the panels of 32.</summary>
    private static int RowPanelWidth(VectorTier tier) => !tier.IsScalar && tier.Width >= 8 ? SingleRowTiles * TileVectors(tier) * tier.Width : 0;

    /// <summary>Tail pieces (narrower vectors and scalars) per tile.</summary>
    private const int TailPiecesPerTile = 4;

    public static string PackName(int n, int k) => $"Pack_{n}x{k}";

    public static string LinearName(int n, int k) => $"Linear_{n}x{k}";

    /// <summary><see cref="LinearName"/> reading a compact copy of the packed weights, generic over its format (see RnnGen.Numerics.ICompactPanels).</summary>
    public static string LinearCompactName(int n, int k) => $"LinearCompact_{n}x{k}";

    public static string WeightGradientName(int n, int k) => $"AccumulateWeightGradient_{n}x{k}";

    public static string InputGradientName(int n, int k) => $"AccumulateInputGradient_{n}x{k}";

    /// <summary>The single-row product restricted to some hidden units of a G-gate layer (see <see cref="EmitUnits"/>).</summary>
    public static string UnitsName(int gates, int h, int k) => $"LinearUnits_{gates}x{h}x{k}";

    /// <summary><see cref="LinearName"/> reading the weights of the format an inference path selects (see <see cref="EmitFormatDispatcher"/>).</summary>
    public static string LinearInferenceName(int n, int k) => $"LinearInference_{n}x{k}";

    /// <summary><see cref="UnitsName"/> reading the weights of the format an inference path selects.</summary>
    public static string UnitsInferenceName(int gates, int h, int k) => $"LinearUnitsInference_{gates}x{h}x{k}";

    /// <summary><see cref="UnitsName"/> reading a compact copy of the packed weights.</summary>
    public static string UnitsCompactName(int gates, int h, int k) => $"LinearUnitsCompact_{gates}x{h}x{k}";

    /// <summary>The type parameter of a compact kernel: the format of its weights.</summary>
    private const string Format = "TWeights";

    /// <summary>The type parameter list and constraint of a compact kernel.</summary>
    private const string FormatConstraint = " where " + Format + " : struct, global::RnnGen.Numerics.ICompactPanels";

    /// <summary>A compact kernel's parameters: the weights as bytes, and the per-column scales a scaled format multiplies by.</summary>
    private const string CompactParameters = "ref float x, ref byte packed, ref float scale, ref float bias, ref float y";

    /// <summary>
    /// Rows of C per register tile: 6 at Vector256 and Vector512 (12 accumulators, two B vectors and a
    /// broadcast fill AVX2's 16 registers, the shape of the usual AVX2 GEMM kernel; at Vector512 each B
    /// vector then feeds 6 multiply–adds instead of 4), 4 at Vector128. The single rows that remain read
    /// the row copy (see <see cref="HasRowCopy"/>).
    /// </summary>
    private static int RowBlock(VectorTier tier) => tier.IsScalar ? 1 : tier.Width >= 8 ? 6 : 4;

    /// <summary>Vectors per row of a register tile.</summary>
    private static int TileVectors(VectorTier tier) => tier.IsScalar ? 4 : 2;

    /// <summary>Every kernel of an N × K matrix; with <paramref name="compact"/>, also the Linear that reads its compact copies.</summary>
    public static void Emit(IndentedWriter w, int n, int k, bool compact)
    {
        EmitPack(w, n, k);

        EmitDispatcher(w, LinearName(n, k), "ref float x, ref float packed, ref float bias, ref float y, int count", "ref x, ref packed, ref bias, ref y, count",
            $"y[c, n] = bias[n] + Σ_k x[c, k]·W[n, k] for c &lt; count, with W of shape [{n}, {k}] read from its packed transpose (see {PackName(n, k)}).");
        foreach (var tier in VectorTier.All)
        {
            EmitGemm(w, tier, new Gemm(
                $"{LinearName(n, k)}_{tier.Name}(ref float x, ref float packed, ref float bias, ref float y, int count)",
                $"y[c, j] = bias[j] + Σ_k x[c, k]·Wᵀ[k, j]; Wᵀ is read from panels of {PanelWidth} columns.",
                Rows: "count", Columns: n, Reduction: Code.Int(k), Chunk: 0,
                A: "x", ARowStride: k, AReductionStride: 1,
                B: "packed", BPackedRows: k, BStride: 0,
                C: "y", Bias: "bias"));
        }

        if (compact)
        {
            EmitLinearCompact(w, n, k);
        }

        EmitDispatcher(w, WeightGradientName(n, k), "ref float dy, ref float x, ref float dw, ref float db, int count, int rows", "ref dy, ref x, ref dw, ref db, count, rows",
            $"dW[n, k] += Σ_c dy[c, n]·x[c, k] and db[n] += Σ_c dy[c, n] for c &lt; count and the first rows rows of W, of shape [{n}, {k}] (pass dy, dW and db offset to a later row to do a later share).");
        foreach (var tier in VectorTier.All)
        {
            EmitGemm(w, tier, new Gemm(
                $"{WeightGradientName(n, k)}_{tier.Name}(ref float dy, ref float x, ref float dw, ref float db, int count, int rows)",
                "dW[n, k] += Σ_c dyᵀ[n, c]·x[c, k]: A = dyᵀ is read down the columns of dy, B = x row by row.",
                Rows: "rows", Columns: k, Reduction: "count", Chunk: ReductionChunk,
                A: "dy", ARowStride: 1, AReductionStride: n,
                B: "x", BPackedRows: 0, BStride: k,
                C: "dw", Bias: null,
                Epilogue: () => EmitBiasGradient(w, tier, n),
                TallTiles: true));
        }

        EmitDispatcher(w, InputGradientName(n, k), "ref float dy, ref float w, ref float dx, int count", "ref dy, ref w, ref dx, count",
            $"dx[c, k] += Σ_n dy[c, n]·W[n, k] for c &lt; count, for W of shape [{n}, {k}].");
        foreach (var tier in VectorTier.All)
        {
            EmitGemm(w, tier, new Gemm(
                $"{InputGradientName(n, k)}_{tier.Name}(ref float dy, ref float w, ref float dx, int count)",
                "dx[c, k] += Σ_n dy[c, n]·W[n, k]: B = W row by row, as stored.",
                Rows: "count", Columns: k, Reduction: Code.Int(n), Chunk: n > ReductionChunk ? ReductionChunk : 0,
                A: "dy", ARowStride: n, AReductionStride: 1,
                B: "w", BPackedRows: 0, BStride: k,
                C: "dx", Bias: null));
        }
    }

    /// <summary>
    /// Linear reading a compact copy of Wᵀ's panels, one text for every compact format: the kernels are
    /// generic over the format (a struct implementing RnnGen.Numerics.ICompactPanels), which gives the
    /// size of an element, the widening loads and whether the sums are scaled per column.
    /// </summary>
    private static void EmitLinearCompact(IndentedWriter w, int n, int k)
    {
        EmitDispatcher(w, $"{LinearCompactName(n, k)}<{Format}>", CompactParameters + ", int count", "ref x, ref packed, ref scale, ref bias, ref y, count",
            $"{LinearName(n, k)} with Wᵀ read from a compact copy of its panels in the format {Format} (see RnnGen.Numerics.BFloat16Weights.Pack and Int8Weights.Pack): the same products in float32 of the widened weights, y[c, n] = bias[n] + Σ_k x[c, k]·W[n, k], or y[c, n] = bias[n] + scale[n]·Σ_k x[c, k]·Q[n, k] for a scaled format.",
            FormatConstraint,
            () => EmitRescale(w, "ref y", "ref scale", "ref bias", Code.Int(n), "count", Code.Int(n), "0"));
        foreach (var tier in VectorTier.All)
        {
            EmitGemm(w, tier, new Gemm(
                $"{LinearCompactName(n, k)}_{tier.Name}<{Format}>({CompactParameters}, int count){FormatConstraint}",
                $"y[c, j] = bias[j] + Σ_k x[c, k]·Wᵀ[k, j] (scaled formats: bias[j] + scale[j]·Σ_k x[c, k]·Qᵀ[k, j]); Wᵀ is read from compact panels of {PanelWidth} columns and widened to float32.",
                Rows: "count", Columns: n, Reduction: Code.Int(k), Chunk: 0,
                A: "x", ARowStride: k, AReductionStride: 1,
                B: "packed", BPackedRows: k, BStride: 0,
                C: "y", Bias: "bias", Compact: true));
        }

        EmitFormatDispatcher(w, LinearInferenceName(n, k), LinearName(n, k), LinearCompactName(n, k), "int count", "count");
    }

    /// <summary>
    /// The product an inference path calls: one call whatever the format, which picks the float32
    /// kernel or the compact one of that format (keeping the format's branches out of the callers,
    /// whose size grows with the layers).
    /// </summary>
    private static void EmitFormatDispatcher(IndentedWriter w, string name, string float32, string compact, string rows, string rowArguments)
    {
        const string format = "global::RnnGen.WeightFormat";
        w.Line($"/// <summary>{float32} reading the weights in <paramref name=\"format\"/>: the float32 panels at packed + region, or the compact copy at compact + region × the format's size (and the int8 copy's scales at scale + scales).</summary>");
        w.Line(Code.AggressiveInlining);
        using (w.Open($"public static void {name}({format} format, ref float x, ref float packed, ref byte compact, ref float scale, int region, int scales, ref float bias, ref float y, {rows})"))
        {
            w.Line($"if (format == {format}.BFloat16)");
            using (w.Scope())
            {
                w.Line("// bfloat16 is not scaled: the bias stands in for the scales it never reads.");
                w.Line($"{compact}<global::RnnGen.Numerics.BFloat16Panels>(ref x, ref At(ref compact, region * 2), ref bias, ref bias, ref y, {rowArguments});");
            }

            w.Line($"else if (format == {format}.Int8)");
            using (w.Scope())
            {
                w.Line($"{compact}<global::RnnGen.Numerics.Int8Panels>(ref x, ref At(ref compact, region), ref At(ref scale, scales), ref bias, ref y, {rowArguments});");
            }

            w.Line("else");
            using (w.Scope())
            {
                w.Line($"{float32}(ref x, ref At(ref packed, region), ref bias, ref y, {rowArguments});");
            }
        }

        w.Line();
    }

    /// <summary>
    /// The entry point: picks the widest tier the hardware accelerates. IsHardwareAccelerated is a
    /// JIT-time constant, so the untaken branches are removed from the compiled code.
    /// </summary>
    internal static void EmitDispatcher(IndentedWriter w, string name, string parameters, string arguments, string summary, string constraint = "", Action? epilogue = null)
    {
        // A generic kernel's tiers take its type parameters after their tier's name.
        int generic = name.IndexOf('<');
        string typeArguments = generic < 0 ? "" : name.Substring(generic);
        name = generic < 0 ? name : name.Substring(0, generic);
        w.Line($"/// <summary>{summary}</summary>");
        w.Line(Code.AggressiveInlining);
        using (w.Open($"public static void {name}{typeArguments}({parameters}){constraint}"))
        {
            bool first = true;
            foreach (var tier in VectorTier.All)
            {
                if (tier.IsScalar)
                {
                    w.Line("else");
                    using (w.Scope())
                    {
                        w.Line($"{name}_{tier.Name}{typeArguments}({arguments});");
                    }
                }
                else
                {
                    w.Line($"{(first ? "if" : "else if")} ({tier.Condition})");
                    using (w.Scope())
                    {
                        w.Line($"{name}_{tier.Name}{typeArguments}({arguments});");
                    }
                }

                first = false;
            }

            if (epilogue is not null)
            {
                w.Line();
                epilogue();
            }
        }

        w.Line();
    }

    /// <summary>
    /// Pack: Wᵀ in panels of <see cref="PanelWidth"/> columns. Panel p holds columns
    /// [32p, 32p + width) of Wᵀ (rows of W) as K rows of width floats, so the slice of Wᵀ a register
    /// tile reads is one contiguous block; the last panel is narrower when N is not a multiple of 32.
    /// </summary>
    private static void EmitPack(IndentedWriter w, int n, int k)
    {
        int fullEnd = n - (n % PanelWidth);
        w.Line(HasRowCopy(n)
            ? $"/// <summary>Copies W [{n}, {k}] into its transpose Wᵀ [{k}, {n}], stored as panels of {PanelWidth} columns (element (k, j) of panel p is at p·{PanelWidth}·{k} + k·width + j), then again at {Code.Int((long)n * k)} as the row copy (see RnnGen.Numerics.RowPanels).</summary>"
            : $"/// <summary>Copies W [{n}, {k}] into its transpose Wᵀ [{k}, {n}], stored as panels of {PanelWidth} columns: element (k, j) of panel p is at p·{PanelWidth}·{k} + k·width + j.</summary>");
        using (w.Open($"public static void {PackName(n, k)}(ref float w, ref float packed)"))
        {
            if (fullEnd > 0)
            {
                using (w.Open($"for (int p = 0; p < {Code.Int(fullEnd)}; p += {PanelWidth})"))
                {
                    EmitPackPanel(w, k, PanelWidth, "p");
                }
            }

            if (fullEnd < n)
            {
                using (w.Scope())
                {
                    w.Line($"const int p = {Code.Int(fullEnd)};");
                    EmitPackPanel(w, k, n - fullEnd, "p");
                }
            }

            if (HasRowCopy(n))
            {
                w.Line("// The row copy the single-row products read: the same Wᵀ in panels of RowPanels.Width columns, one stream of addresses per row of x.");
                w.Line($"global::RnnGen.Numerics.RowPanels.Pack(ref packed, ref At(ref packed, {Code.Int((long)n * k)}), {Code.Int(n)}, {Code.Int(k)});");
            }
        }

        w.Line();
    }

    private static void EmitPackPanel(IndentedWriter w, int k, int width, string p)
    {
        w.Line($"ref float panel = ref At(ref packed, {p} * {Code.Int(k)});");
        using (w.Open($"for (int j = 0; j < {Code.Int(width)}; j++)"))
        {
            w.Line($"ref float row = ref At(ref w, ({p} + j) * {Code.Int(k)});");
            using (w.Open($"for (int k = 0; k < {Code.Int(k)}; k++)"))
            {
                w.Line($"At(ref panel, k * {Code.Int(width)} + j) = At(ref row, k);");
            }
        }
    }

    /// <summary>
    /// One product C (+)= A·B: C is [Rows, Columns] row-major; A(m, r) = A[m·ARowStride + r·AReductionStride];
    /// B(r, j) is either packed Wᵀ (BPackedRows = its row count) or row-major with row stride BStride.
    /// C starts from Bias (broadcast down the rows) or from its own values.
    /// </summary>
    private sealed record Gemm(
        string Signature, string Comment,
        string Rows, int Columns, string Reduction, int Chunk,
        string A, int ARowStride, int AReductionStride,
        string B, int BPackedRows, int BStride,
        string C, string? Bias,
        Action? Epilogue = null,
        bool TallTiles = false,
        bool Compact = false)
    {
        /// <summary>The C# type B is addressed as: float, or the bytes of a compact format.</summary>
        public string BType => Compact ? "byte" : "float";

        /// <summary>"ref At(ref origin, offset)" into B, the offset in elements (bytes × the format's size in a compact kernel).</summary>
        public string BAt(string origin, string offset) =>
            !Compact ? $"ref At(ref {origin}, {offset})"
            : offset == "0" ? $"ref {origin}"
            : offset.Contains(" ") ? $"ref At(ref {origin}, ({offset}) * {Format}.Size)"
            : $"ref At(ref {origin}, {offset} * {Format}.Size)";
    }

    // TallTiles: 8-row tiles at Vector512 (16 accumulators of the 32 registers) instead of 4. The weight
    // gradient reads A = dYᵀ down the columns of dY, a cache line per reduction row: twice the rows per
    // tile halve those reads and the B loads per multiply–add (measured: 6–7% faster dW on the char model).
    // The reduction order of every element is unchanged, so the results are too.

    /// <summary>
    /// A contiguous range of C's columns whose B slice has one row stride. Within a segment, B's rows
    /// are contiguous over runs of <paramref name="Run"/> columns from Start (a panel of packed Wᵀ).
    /// </summary>
    private sealed record Segment(int Start, int End, int BRowStride, int Run, Func<string, string> BOffset, bool WholePanels = false);

    /// <summary>One vector (or scalar) of a tile row: its tier, which B row reference it loads from and at which column, and its column in C.</summary>
    private sealed record Piece(VectorTier Tier, string BRow, string BColumn, string CColumn);

    private static IReadOnlyList<Segment> Segments(Gemm g) => Segments(g, PanelWidth, 0);

    /// <summary>
    /// The segments of packed Wᵀ in panels of <paramref name="width"/> columns (a power of two) from element
    /// <paramref name="origin"/> of the region: the whole panels, then the narrower last one.
    /// </summary>
    private static IReadOnlyList<Segment> Segments(Gemm g, int width, long origin)
    {
        if (g.BPackedRows == 0)
        {
            return [new Segment(0, g.Columns, g.BStride, g.Columns, j => j)];
        }

        int rows = g.BPackedRows;
        int fullEnd = g.Columns - (g.Columns % width);
        string Base(string offset) => origin == 0 ? offset : $"{Code.Int(origin)} + {offset}";
        var segments = new List<Segment>();
        if (fullEnd > 0)
        {
            // Column j of a full panel: panel base (j − j mod width)·K, then j mod width within the row.
            segments.Add(new Segment(0, fullEnd, width, width,
                j => int.TryParse(j, out int c)
                    ? Code.Int(origin + ((long)(c - (c % width)) * rows) + (c % width))
                    : Base($"(({j}) & ~{width - 1}) * {Code.Int(rows)} + (({j}) & {width - 1})"),
                WholePanels: true));
        }

        if (fullEnd < g.Columns)
        {
            segments.Add(new Segment(fullEnd, g.Columns, g.Columns - fullEnd, g.Columns - fullEnd,
                j => int.TryParse(j, out int c) ? Code.Int(origin + ((long)fullEnd * rows) + (c - fullEnd)) : $"{Code.Int(origin + ((long)fullEnd * rows))} + ({j}) - {Code.Int(fullEnd)}"));
        }

        return segments;
    }

    private static void EmitGemm(IndentedWriter w, VectorTier tier, Gemm g)
    {
        int rowBlock = g.TallTiles && tier.Width == 16 ? 8 : RowBlock(tier);
        int tileWidth = TileVectors(tier) * tier.Width;
        var segments = Segments(g);
        w.Line(Code.AggressiveOptimization);
        w.Line($"private static void {g.Signature}");
        using (w.Scope())
        {
            w.Line($"// {g.Comment}");
            bool constantRows = int.TryParse(g.Rows, out int rowCount);
            string blockedRows;
            if (rowBlock == 1)
            {
                blockedRows = "0";
            }
            else if (constantRows)
            {
                blockedRows = Code.Int(rowCount - (rowCount % rowBlock));
            }
            else
            {
                w.Line($"int blockedRows = {g.Rows} - ({g.Rows} % {rowBlock});");
                blockedRows = "blockedRows";
            }

            string r0 = "0";
            string r1 = g.Reduction;
            IDisposable? chunk = null;
            if (g.Chunk > 0)
            {
                w.Line($"// The reduction runs in chunks of {g.Chunk} rows so that the slice of B a tile reads stays in L1 while every row block passes over it.");
                chunk = w.Open($"for (int r0 = 0; r0 < {g.Reduction}; r0 += {Code.Int(g.Chunk)})");
                w.Line($"int r1 = global::System.Math.Min(r0 + {Code.Int(g.Chunk)}, {g.Reduction});");
                r0 = "r0";
                r1 = "r1";
            }

            if (rowBlock > 1 && !(constantRows && rowCount < rowBlock))
            {
                w.Line($"// Tiles of {rowBlock} rows × {tileWidth} columns; each B slice is reused by every row block.");
                foreach (var segment in segments)
                {
                    EmitColumns(w, tier, g, segment, tileWidth, 1, pieces =>
                    {
                        using (w.Open($"for (int m = 0; m < {blockedRows}; m += {rowBlock})"))
                        {
                            EmitTile(w, g, rowBlock, pieces, segment.BRowStride, r0, r1);
                        }
                    });
                }
            }

            if (rowBlock == 1)
            {
                w.Line("// One row at a time, several column tiles at once.");
                using (w.Open($"for (int m = 0; m < {g.Rows}; m++)"))
                {
                    EmitRowTiles(w, tier, g, segments, tileWidth, 1, r0, r1);
                }
            }
            else if (!constantRows || rowCount % rowBlock != 0)
            {
                EmitRemainingRows(w, tier, g, segments, tileWidth, rowBlock, blockedRows, constantRows ? rowCount % rowBlock : -1, r0, r1);
            }

            chunk?.Dispose();
            g.Epilogue?.Invoke();
        }

        w.Line();
    }

    /// <summary>
    /// The rows after the last whole row block (of 4, or 6 at Vector256), in tiles as tall as they are up
    /// to 3 rows, so that B is read once for them rather than once per row: a batch of 2 or 3 streams then
    /// costs one read of the weights, not 2 or 3 (4 or 5 rows left of a block of 6 take a tile of 3 and
    /// one of the rest, which keeps the kernels' size to that of blocks of 4). <paramref name="constantRest"/> is the count of
    /// remaining rows when the row count is a constant (only that case is emitted), or −1.
    /// </summary>
    /// <remarks>
    /// Every element is the same chain of fused multiply–adds over the reduction in order, whatever the
    /// height of its tile, so the results are those of one row at a time. Blocks of 8 rows (weight
    /// gradients) keep their remaining rows one at a time: their rows are the gate rows, a multiple of 8
    /// unless the layer's width is odd, and taller tail tiles there doubled the largest kernel's IL
    /// locals (170 to 342).
    /// </remarks>
    private static void EmitRemainingRows(IndentedWriter w, VectorTier tier, Gemm g, IReadOnlyList<Segment> segments, int tileWidth, int rowBlock, string blockedRows, int constantRest, string r0, string r1)
    {
        if (rowBlock > 6)
        {
            w.Line($"// The remaining rows (fewer than {rowBlock}) one at a time, {SingleRowTiles} column tiles at once.");
            using (w.Open($"for (int m = {blockedRows}; m < {g.Rows}; m++)"))
            {
                EmitRowTiles(w, tier, g, segments, tileWidth, 1, r0, r1);
            }

            return;
        }

        w.Line(rowBlock == 4
            ? "// The remaining rows (fewer than 4) in one tile as tall as they are, so that B is read once for all of them."
            : $"// The remaining rows (fewer than {rowBlock}) in tiles of at most 3 rows, so that B is read once for up to 3 of them.");
        using (w.Scope())
        {
            w.Line($"int m = {blockedRows};");
            if (constantRest >= 0)
            {
                if (constantRest > 3)
                {
                    EmitRowTiles(w, tier, g, segments, tileWidth, 3, r0, r1);
                    w.Line("m += 3;");
                }

                EmitRowTiles(w, tier, g, segments, tileWidth, constantRest > 3 ? constantRest - 3 : constantRest, r0, r1);
                return;
            }

            w.Line($"int rest = {g.Rows} - m;");
            if (rowBlock > 4)
            {
                // 4 or 5 rows left: 3 of them first, then the 1 or 2 after them.
                using (w.Open("if (rest > 3)"))
                {
                    EmitRowTiles(w, tier, g, segments, tileWidth, 3, r0, r1);
                    w.Line("m += 3;");
                    w.Line("rest -= 3;");
                }
            }

            for (int height = 3; height >= 1; height--)
            {
                using (w.Open(height == 3 ? "if (rest == 3)" : $"else if (rest == {Code.Int(height)})"))
                {
                    EmitRowTiles(w, tier, g, segments, tileWidth, height, r0, r1);
                }
            }
        }
    }

    /// <summary>
    /// Tiles of <paramref name="rows"/> rows from row m across every segment. The shorter the tile, the more
    /// column tiles it spans at once, so that enough independent accumulator chains stay in flight
    /// (a single row spans <see cref="SingleRowTiles"/>; three rows span two at Vector512, which has the
    /// registers for twelve accumulators).
    /// </summary>
    private static void EmitRowTiles(IndentedWriter w, VectorTier tier, Gemm g, IReadOnlyList<Segment> segments, int tileWidth, int rows, string r0, string r1)
    {
        int tiles = rows switch
        {
            1 => SingleRowTiles,
            2 => 2,
            3 => tier.Width == 16 ? 2 : 1,
            _ => 1,
        };
        int rowPanel = RowPanelWidth(tier);
        if (rows == 1 && g.BPackedRows > 0 && rowPanel > 0 && HasRowCopy(g.Columns))
        {
            // One row reads the row copy after the panels: one row of one panel per element of x.
            segments = Segments(g, rowPanel, (long)g.Columns * g.BPackedRows);
        }

        foreach (var segment in segments)
        {
            EmitColumns(w, tier, g, segment, tileWidth, tiles, pieces => EmitTile(w, g, rows, pieces, segment.BRowStride, r0, r1, paired: segment.WholePanels));
        }
    }

    /// <summary>
    /// Covers a segment's columns with tiles: a loop over groups of <paramref name="tilesPerGroup"/>
    /// whole tiles, the whole tiles left over, then the narrower tail pieces at constant offsets.
    /// </summary>
    private static void EmitColumns(IndentedWriter w, VectorTier tier, Gemm g, Segment segment, int tileWidth, int tilesPerGroup, Action<IReadOnlyList<Piece>> body)
    {
        int length = segment.End - segment.Start;
        int wholeEnd = segment.Start + (length - (length % tileWidth));
        int groupWidth = tileWidth * tilesPerGroup;
        int groups = (wholeEnd - segment.Start) / groupWidth;
        int leftover = ((wholeEnd - segment.Start) / tileWidth) - (groups * tilesPerGroup);

        // A single row's last group takes the one or two whole tiles left after it at Vector512 (32
        // registers hold its 12 accumulators): alone, their chains over the reduction would run at the
        // latency of a multiply–add, two accumulators at a time (an LSTM 1→40's 160 gate columns are
        // four tiles and one). Each element's chain is unchanged.
        int absorbed = tilesPerGroup == SingleRowTiles && tier.Width == 16 && groups >= 1 && leftover is > 0 and <= 2 ? leftover : 0;
        int loopEnd = segment.Start + ((groups - (absorbed > 0 ? 1 : 0)) * groupWidth);
        if (loopEnd > segment.Start)
        {
            // A single group is a scope at constant columns, not a loop that runs once.
            bool once = loopEnd - segment.Start == groupWidth;
            using (once ? w.Scope() : w.Open($"for (int j = {Code.Int(segment.Start)}; j < {Code.Int(loopEnd)}; j += {Code.Int(groupWidth)})"))
            {
                EmitGroup(w, tier, g, segment, tileWidth, tilesPerGroup, once ? segment.Start : -1, body);
            }
        }

        int groupedEnd = loopEnd;
        if (absorbed > 0)
        {
            using (w.Scope())
            {
                EmitGroup(w, tier, g, segment, tileWidth, tilesPerGroup + absorbed, loopEnd, body);
            }

            groupedEnd = wholeEnd;
        }

        // Whole tiles that do not fill a group, then the tail (narrower than a tile): constant columns.
        var constantPieces = new List<(VectorTier Tier, int Column)>();
        for (int j = groupedEnd; j < wholeEnd; j += tier.Width)
        {
            constantPieces.Add((tier, j));
        }

        var (tailMain, tail) = tier.Split(segment.End - wholeEnd);
        for (int v = 0; v < tailMain; v += tier.Width)
        {
            constantPieces.Add((tier, wholeEnd + v));
        }

        foreach (var (narrower, offset) in tail)
        {
            constantPieces.Add((narrower, wholeEnd + offset));
        }

        int perTile = Math.Max(TailPiecesPerTile, TileVectors(tier) * tilesPerGroup);
        for (int start = 0; start < constantPieces.Count; start += perTile)
        {
            var group = constantPieces.Skip(start).Take(perTile).ToList();
            using (w.Scope())
            {
                // One B reference per run of contiguous columns (per panel of packed Wᵀ).
                var pieces = new List<Piece>();
                var runs = new Dictionary<int, string>();
                foreach (var (pieceTier, column) in group)
                {
                    int runStart = column - ((column - segment.Start) % segment.Run);
                    if (!runs.TryGetValue(runStart, out string? bRef))
                    {
                        bRef = "b" + Code.Int(runs.Count);
                        runs.Add(runStart, bRef);
                        w.Line($"ref {g.BType} {bRef} = {g.BAt(g.B, segment.BOffset(Code.Int(runStart)))};");
                    }

                    pieces.Add(new Piece(pieceTier, bRef, Code.Int(column - runStart), Code.Int(column)));
                }

                body(pieces);
            }
        }
    }

    /// <summary>
    /// One group of <paramref name="tiles"/> whole tiles: from the constant column <paramref name="start"/>, or
    /// from the loop's column j when <paramref name="start"/> is −1.
    /// </summary>
    private static void EmitGroup(IndentedWriter w, VectorTier tier, Gemm g, Segment segment, int tileWidth, int tiles, int start, Action<IReadOnlyList<Piece>> body)
    {
        var pieces = new List<Piece>();
        for (int t = 0; t < tiles; t++)
        {
            string tileStart = start >= 0 ? Code.Int(start + ((long)t * tileWidth)) : t == 0 ? "j" : $"j + {Code.Int((long)t * tileWidth)}";
            string bTile = "b" + Code.Int(t);
            w.Line($"ref {g.BType} {bTile} = {g.BAt(g.B, segment.BOffset(tileStart))};");
            for (int v = 0; v < tileWidth; v += tier.Width)
            {
                pieces.Add(new Piece(tier, bTile, Code.Int(v), Code.Offset(v, tileStart)));
            }
        }

        body(pieces);
    }

    /// <summary>
    /// LinearUnits: one row of y = x·Wᵀ + b for a weight matrix of <paramref name="gates"/> blocks of
    /// <paramref name="h"/> rows each (the gates of a recurrent layer, or a dense layer when gates = 1),
    /// restricted to the columns g·h + u of hidden units u in [start, end). A layer split by hidden units
    /// between threads (each thread owns some units of every gate) calls it once per thread.
    /// </summary>
    /// <remarks>
    /// start and end are multiples of <see cref="PanelWidth"/>, except that end may be h when h is not
    /// (then only gates = 1 occurs). When h is a multiple of 32, every gate's units [u, u + 32) are one
    /// panel of packed Wᵀ. Each element is the same chain of fused multiply–adds over k in order as in
    /// <c>Linear</c>, so any split gives the bits of the whole product.
    /// </remarks>
    public static void EmitUnits(IndentedWriter w, int gates, int h, int k, bool compact = false)
    {
        int n = gates * h;
        string name = compact ? UnitsCompactName(gates, h, k) : UnitsName(gates, h, k);
        string typeArguments = compact ? $"<{Format}>" : "";
        string constraint = compact ? FormatConstraint : "";
        string parameters = compact ? CompactParameters : "ref float x, ref float packed, ref float bias, ref float y";
        EmitDispatcher(w, name + typeArguments, parameters + ", int start, int end", compact ? "ref x, ref packed, ref scale, ref bias, ref y, start, end" : "ref x, ref packed, ref bias, ref y, start, end",
            compact ? $"{UnitsName(gates, h, k)} with Wᵀ read from a compact copy of its panels in the format {Format} (see {LinearCompactName(n, k)})." :
            gates == 1
                ? $"y[u] = bias[u] + Σ_k x[k]·W[u, k] for u in [start, end), one row, with W of shape [{n}, {k}] read from its packed transpose (see {PackName(n, k)}); start is a multiple of {PanelWidth}, and so is end unless it is {n}."
                : $"y[g·{h} + u] = bias[g·{h} + u] + Σ_k x[k]·W[g·{h} + u, k] for each of the {gates} gates g and u in [start, end), one row, with W of shape [{n}, {k}] read from its packed transpose (see {PackName(n, k)}); start and end are multiples of {PanelWidth}.", constraint,
            compact
                // Units [start, end) of each gate: gate g's columns g·h + u, scales and biases alike.
                ? () => EmitRescale(w, "ref At(ref y, start)", "ref At(ref scale, start)", "ref At(ref bias, start)", "end - start", Code.Int(gates), Code.Int(h), Code.Int(h))
                : null);
        foreach (var tier in VectorTier.All)
        {
            var g = new Gemm(
                $"{name}_{tier.Name}{typeArguments}({parameters}, int start, int end){constraint}",
                "", Rows: "1", Columns: n, Reduction: Code.Int(k), Chunk: 0,
                A: "x", ARowStride: k, AReductionStride: 1,
                B: "packed", BPackedRows: k, BStride: 0,
                C: "y", Bias: "bias", Compact: compact);
            w.Line(Code.AggressiveOptimization);
            w.Line($"private static void {g.Signature}");
            using (w.Scope())
            {
                w.Line(gates == 1
                    ? "// y[u] = bias[u] + Σ_k x[k]·Wᵀ[k, u]: the columns of Wᵀ for units [start, end), from their panels."
                    : $"// y[g·{h} + u] = bias[g·{h} + u] + Σ_k x[k]·Wᵀ[k, g·{h} + u]: for units [start, end), the same columns of every gate's block of Wᵀ.");
                if (compact)
                {
                    w.Line($"// (A scaled format: y = bias + scale·Σ_k x[k]·Qᵀ[k, ·], the scales indexed as the bias.)");
                }
                int fullEnd = h - (h % PanelWidth);
                string limit = "end";
                if (fullEnd < h)
                {
                    w.Line(h - fullEnd == 1
                        ? "// Whole panels first; the last column is a narrower panel of its own."
                        : $"// Whole panels first; the last {Code.Int(h - fullEnd)} columns are a narrower panel of their own.");
                    w.Line($"int full = end < {Code.Int(fullEnd)} ? end : {Code.Int(fullEnd)};");
                    limit = "full";
                }

                // Two vectors of every gate per pass keep 2·G accumulators busy; a dense layer (one gate)
                // takes four times as many units per pass while they last, then two vectors at a time.
                int step = 2 * tier.Width;
                w.Line("int u = start;");
                if (gates == 1)
                {
                    EmitUnitPasses(w, tier, g, gates, h, k, 4 * step, limit);
                }

                EmitUnitPasses(w, tier, g, gates, h, k, step, limit);
                if (fullEnd < h)
                {
                    w.Line($"if (end > {Code.Int(fullEnd)})");
                    using (w.Scope())
                    {
                        var tail = new Segment(fullEnd, h, h - fullEnd, h - fullEnd, c => int.TryParse(c, out int column) ? Code.Int(((long)fullEnd * k) + (column - fullEnd)) : $"{Code.Int((long)fullEnd * k)} + ({c}) - {Code.Int(fullEnd)}");
                        EmitColumns(w, tier, g, tail, TileVectors(tier) * tier.Width, SingleRowTiles, pieces => EmitTile(w, g, 1, pieces, tail.BRowStride, "0", g.Reduction, firstRow: true));
                    }
                }

            }

            w.Line();
        }

        if (compact)
        {
            EmitFormatDispatcher(w, UnitsInferenceName(gates, h, k), UnitsName(gates, h, k), UnitsCompactName(gates, h, k), "int start, int end", "start, end");
        }
    }

    /// <summary>A loop of passes of <paramref name="units"/> units of every gate, while whole passes fit below <paramref name="limit"/>.</summary>
    private static void EmitUnitPasses(IndentedWriter w, VectorTier tier, Gemm g, int gates, int h, int k, int units, string limit)
    {
        using (w.Open($"for (; u + {Code.Int(units)} <= {limit}; u += {Code.Int(units)})"))
        {
            var pieces = new List<Piece>();
            int panels = Math.Max(1, units / PanelWidth);
            int perPanel = Math.Min(units, PanelWidth);
            for (int gate = 0; gate < gates; gate++)
            {
                for (int panel = 0; panel < panels; panel++)
                {
                    // Column c = first + u, with first = g·h + 32·panel a multiple of 32 (h is one whenever there is
                    // more than one gate): c's panel starts at first + (u & ~31), and c lies u & 31 into it.
                    long first = ((long)gate * h) + ((long)panel * PanelWidth);
                    string bRef = "b" + Code.Int((gate * panels) + panel);
                    string panelStart = perPanel == PanelWidth ? "u" : $"(u & ~{PanelWidth - 1})";
                    string offset = first == 0 ? $"{panelStart} * {Code.Int(k)}" : $"({Code.Int(first)} + {panelStart}) * {Code.Int(k)}";
                    w.Line(perPanel == PanelWidth
                        ? $"ref {g.BType} {bRef} = {g.BAt(g.B, offset)};"
                        : $"ref {g.BType} {bRef} = {g.BAt(g.B, $"{offset} + (u & {PanelWidth - 1})")};");
                    for (int v = 0; v < perPanel; v += tier.Width)
                    {
                        pieces.Add(new Piece(tier, bRef, Code.Int(v), Code.Offset((long)gate * h + ((long)panel * PanelWidth) + v, "u")));
                    }
                }
            }

            EmitTile(w, g, 1, pieces, PanelWidth, "0", g.Reduction, firstRow: true);
        }
    }

    /// <summary>
    /// One register tile: <paramref name="rows"/> rows of C from row m, the columns of
    /// <paramref name="pieces"/>. Loads (or sets to the bias) the accumulators, runs the reduction
    /// over [r0, r1) with one broadcast of A per row and one load of B per piece, and stores.
    /// </summary>
    private static void EmitTile(IndentedWriter w, Gemm g, int rows, IReadOnlyList<Piece> pieces, int bRowStride, string r0, string r1, bool firstRow = false, bool? paired = null)
    {
        if (firstRow)
        {
            // A single-row product: row 0 of A and C.
            w.Line($"ref float a0 = ref {g.A};");
            w.Line($"ref float c0 = ref {g.C};");
        }
        else
        {
            w.Line(g.ARowStride == 1 ? $"ref float a0 = ref At(ref {g.A}, m);" : $"ref float a0 = ref At(ref {g.A}, m * {Code.Int(g.ARowStride)});");
            w.Line($"ref float c0 = ref At(ref {g.C}, m * {Code.Int(g.Columns)});");
        }

        for (int i = 1; i < rows; i++)
        {
            w.Line($"ref float a{i} = ref At(ref a0, {Code.Int((long)i * g.ARowStride)});");
            w.Line($"ref float c{i} = ref At(ref c0, {Code.Int((long)i * g.Columns)});");
        }

        for (int i = 0; i < rows; i++)
        {
            for (int p = 0; p < pieces.Count; p++)
            {
                var piece = pieces[p];
                string init = g.Bias is null
                    ? piece.Tier.Load("c" + i, piece.CColumn)
                    : i > 0 ? $"acc0_{p}"
                    : g.Compact ? $"{Format}.Scaled ? default : {piece.Tier.Load(g.Bias, piece.CColumn)}"
                    : piece.Tier.Load(g.Bias, piece.CColumn);
                w.Line($"var acc{i}_{p} = {init};");
            }
        }

        var rowRefs = pieces.Select(p => p.BRow).Distinct().ToList();
        var tiers = pieces.Select(p => p.Tier).Distinct().ToList();
        // A compact copy interleaves the rows of whole panels (bfloat16: see RnnGen.Numerics.BFloat16Weights).
        bool pairedLoads = g.BPackedRows > 0 && (paired ?? bRowStride == PanelWidth);
        using (w.Open($"for (int r = {r0}; r < {r1}; r++)"))
        {
            foreach (string bRow in rowRefs)
            {
                w.Line($"ref {g.BType} {bRow}r = {g.BAt(bRow, $"r * {Code.Int(bRowStride)}")};");
            }

            string aIndex = g.AReductionStride == 1 ? "r" : $"r * {Code.Int(g.AReductionStride)}";
            if (g.Compact && rows == 1)
            {
                // A single row spans several tiles: its broadcast first, then each load of B straight into
                // its multiply–adds, so a widened vector lives for two instructions and the accumulators,
                // the broadcast and the two halves of a load fit in AVX2's 16 registers without spills (the
                // float32 kernel folds its loads into the multiply–adds instead). Each accumulator's chain
                // over r is unchanged.
                EmitBroadcasts(w, tiers, 0, aIndex);
                foreach (var (load, loaded) in CompactLoads(pieces, paired: pairedLoads))
                {
                    w.Line(load);
                    foreach (int p in loaded)
                    {
                        EmitMultiplyAdd(w, pieces[p], 0, p);
                    }
                }
            }
            else
            {
                // A taller tile's B vectors are loaded (a compact tile's widened) first and feed every row.
                if (g.Compact)
                {
                    foreach (var (load, _) in CompactLoads(pieces, paired: pairedLoads))
                    {
                        w.Line(load);
                    }
                }
                else
                {
                    for (int p = 0; p < pieces.Count; p++)
                    {
                        w.Line($"var b{p}_ = {pieces[p].Tier.Load(pieces[p].BRow + "r", pieces[p].BColumn)};");
                    }
                }

                for (int i = 0; i < rows; i++)
                {
                    EmitBroadcasts(w, tiers, i, aIndex);
                    for (int p = 0; p < pieces.Count; p++)
                    {
                        EmitMultiplyAdd(w, pieces[p], i, p);
                    }
                }
            }
        }

        for (int i = 0; i < rows; i++)
        {
            for (int p = 0; p < pieces.Count; p++)
            {
                w.Line(pieces[p].Tier.Store($"acc{i}_{p}", "c" + i, pieces[p].CColumn));
            }
        }
    }

    /// <summary>
    /// A compact product's last pass when its format is scaled, after whichever tier ran (it is the same
    /// at every width): the tiles summed x·q from zero, and y = bias + scale·Σ is applied here, once, to <paramref name="columns"/> columns of each of
    /// <paramref name="rows"/> rows (see RnnGen.Numerics.ICompactPanels.Rescale).
    /// </summary>
    private static void EmitRescale(IndentedWriter w, string y, string scale, string bias, string columns, string rows, string yRowStride, string scaleRowStride)
    {
        w.Line($"if ({Format}.Scaled)");
        using (w.Scope())
        {
            w.Line("// y = bias + scale·Σ: the sums ran over the quantized weights from zero.");
            w.Line($"{Format}.Rescale({y}, {scale}, {bias}, {columns}, {rows}, {yRowStride}, {scaleRowStride});");
        }
    }

    /// <summary>Row i's element of A for reduction row r, and its broadcast to each vector tier of the tile.</summary>
    private static void EmitBroadcasts(IndentedWriter w, IReadOnlyList<VectorTier> tiers, int i, string aIndex)
    {
        w.Line($"float a{i}r = At(ref a{i}, {aIndex});");
        foreach (var tier in tiers)
        {
            if (!tier.IsScalar)
            {
                w.Line($"var a{i}_{tier.Width} = {tier.Broadcast($"a{i}r")};");
            }
        }
    }

    /// <summary>acc[i, p] += a[i, r]·b[r, p] for one piece of a tile row.</summary>
    private static void EmitMultiplyAdd(IndentedWriter w, Piece piece, int i, int p)
    {
        string a = piece.Tier.IsScalar ? $"a{i}r" : $"a{i}_{piece.Tier.Width}";
        w.Line($"acc{i}_{p} = {Code.Simd}.MultiplyAdd({a}, b{p}_, acc{i}_{p});");
    }

    /// <summary>
    /// The loads of a tile row's B vectors from compact weights, each with the pieces it gives. In a whole
    /// panel (<paramref name="paired"/>) the pieces come in pairs of columns c and c + W, c a multiple of
    /// 2W, which the format loads together (bfloat16: one load of W words, the low and the high halves;
    /// see RnnGen.Numerics.BFloat16Weights); elsewhere each piece widens its own values.
    /// </summary>
    private static IEnumerable<(string Load, int[] Pieces)> CompactLoads(IReadOnlyList<Piece> pieces, bool paired)
    {
        if (!paired || pieces[0].Tier.IsScalar)
        {
            for (int p = 0; p < pieces.Count; p++)
            {
                yield return ($"var b{p}_ = {Format}.Load{pieces[p].Tier.Name}({CompactAt(pieces[p].BRow + "r", pieces[p].BColumn)});", [p]);
            }

            yield break;
        }

        for (int p = 0; p < pieces.Count; p += 2)
        {
            var low = pieces[p];
            int width = low.Tier.Width;
            // The layout of whole panels pairs only such columns: anything else is an emitter bug.
            if (p + 1 >= pieces.Count
                || pieces[p + 1].BRow != low.BRow
                || pieces[p + 1].Tier != low.Tier
                || !int.TryParse(low.BColumn, out int column)
                || column % (2 * width) != 0
                || pieces[p + 1].BColumn != Code.Int(column + width))
            {
                throw new InvalidOperationException($"compact pieces {p} and {p + 1} are not a pair of columns c, c + {width}.");
            }

            yield return ($"{Format}.LoadPairs{low.Tier.Name}({CompactAt(low.BRow + "r", low.BColumn)}, out var b{p}_, out var b{p + 1}_);", [p, p + 1]);
        }
    }

    /// <summary>"ref At(ref origin, column · size)": a column of a compact row.</summary>
    private static string CompactAt(string origin, string column) =>
        column == "0" ? $"ref {origin}" : $"ref At(ref {origin}, {column} * {Format}.Size)";

    /// <summary>
    /// db[n] += Σ_c dy[c, n] for n &lt; rows: four vectors of columns at a time (four independent
    /// sums in flight), then single vectors, then scalars. Each element is summed over c in order
    /// whichever path takes it, so any split of the rows gives the same bits.
    /// </summary>
    private static void EmitBiasGradient(IndentedWriter w, VectorTier tier, int n)
    {
        w.Line("// db[n] += Σ_c dy[c, n], summed down the columns of dy.");
        w.Line("int column = 0;");
        if (!tier.IsScalar)
        {
            int width = tier.Width;
            using (w.Open($"for (; column + {Code.Int(4 * width)} <= rows; column += {Code.Int(4 * width)})"))
            {
                for (int v = 0; v < 4; v++)
                {
                    w.Line($"var sum{v} = {tier.Load("db", Code.Offset((long)v * width, "column"))};");
                }

                using (w.Open("for (int c = 0; c < count; c++)"))
                {
                    w.Line($"ref float dyc = ref At(ref dy, c * {Code.Int(n)} + column);");
                    for (int v = 0; v < 4; v++)
                    {
                        w.Line($"sum{v} += {tier.Load("dyc", Code.Int((long)v * width))};");
                    }
                }

                for (int v = 0; v < 4; v++)
                {
                    w.Line(tier.Store($"sum{v}", "db", Code.Offset((long)v * width, "column")));
                }
            }

            using (w.Open($"for (; column + {Code.Int(width)} <= rows; column += {Code.Int(width)})"))
            {
                w.Line($"var sum = {tier.Load("db", "column")};");
                using (w.Open("for (int c = 0; c < count; c++)"))
                {
                    w.Line($"sum += {tier.Load("dy", $"c * {Code.Int(n)} + column")};");
                }

                w.Line(tier.Store("sum", "db", "column"));
            }
        }

        using (w.Open("for (; column < rows; column++)"))
        {
            w.Line("float sum = At(ref db, column);");
            using (w.Open("for (int c = 0; c < count; c++)"))
            {
                w.Line($"sum += At(ref dy, c * {Code.Int(n)} + column);");
            }

            w.Line("At(ref db, column) = sum;");
        }
    }
}
