using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Numerics
{
    /// <summary>
    /// The second copy of a packed weight matrix that the generated single-row products read (a
    /// <c>Step</c>, batch-1 <c>Forward</c>, the last row of a batch): Wᵀ in panels of <see cref="Width"/>
    /// columns instead of 32, stored right after the panels of 32 in the same region.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A single-row product keeps eight vectors of accumulators, 128 columns at 512 bits (64 at 256).
    /// Over panels of 32 columns, each element of x reads one row from each of four panels: four
    /// streams of addresses 16 KB apart for a 128-row matrix. Over panels of 128 columns it reads one
    /// row of one panel: one stream, which this processor's prefetchers follow at the L2 read rate
    /// (on a Zen 5 core, 256 KB in 1.34–1.41 µs against 1.79–1.91 µs; the benchmarks' <c>limits</c>
    /// measures both). The register tiles of batched products keep the panels of 32: they read 128
    /// bytes of each row, and over panels of 128 columns they ran 2.6–3.3% slower.
    /// </para>
    /// <para>
    /// Element (r, j) of a copy in panels of width w (the last panel narrower when N is not a multiple of
    /// w) is at (j − j mod w)·K + r·w′ + j mod w, w′ the width of j's panel (see <see cref="Offset"/>).
    /// The values are those of the panels of 32, so every product computes the same bits from either.
    /// </para>
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class RowPanels
    {
        /// <summary>Columns per panel of the copy the packed panels come from.</summary>
        public const int PackedWidth = 32;

        /// <summary>
        /// Columns per row panel: the columns a single-row product spans at the widest accelerated vector
        /// width (128 at 512 bits, 64 at 256), or 0 when the products read the panels of 32 (128-bit vectors
        /// or none). The generated kernels dispatch on the same widths.
        /// </summary>
        public static int Width => Vector512.IsHardwareAccelerated ? 128 : Vector256.IsHardwareAccelerated ? 64 : 0;

        /// <summary>Where element (row, column) of an N × K matrix's Wᵀ is in panels of <paramref name="width"/> columns.</summary>
        /// <param name="row">The row of Wᵀ (k).</param>
        /// <param name="column">The column of Wᵀ (n, the output).</param>
        /// <param name="width">Columns per whole panel.</param>
        /// <param name="n">Columns of Wᵀ (rows of W).</param>
        /// <param name="k">Rows of Wᵀ (columns of W).</param>
        /// <returns>The element's offset from the copy's start.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Offset(int row, int column, int width, int n, int k)
        {
            int panel = column - (column % width);
            return (panel * k) + (row * Math.Min(width, n - panel)) + (column - panel);
        }

        /// <summary>
        /// Writes the row copy of an N × K matrix from its packed panels of 32 columns, in panels of
        /// <see cref="Width"/> columns (nothing when <see cref="Width"/> is 0: no product reads it then).
        /// </summary>
        /// <param name="panels">The packed panels of 32 columns, N·K floats.</param>
        /// <param name="rows">Receives the N·K floats of the row copy.</param>
        /// <param name="n">Columns of Wᵀ (rows of W).</param>
        /// <param name="k">Rows of Wᵀ (columns of W).</param>
        public static void Pack(ref float panels, ref float rows, int n, int k)
        {
            int width = Width;
            if (width == 0)
            {
                return;
            }

            for (int panel = 0; panel < n; panel += width)
            {
                int columns = Math.Min(width, n - panel);
                for (int r = 0; r < k; r++)
                {
                    // Row r of this row panel is row r of each panel of 32 it spans, side by side.
                    ref float target = ref Unsafe.Add(ref rows, (panel * k) + (r * columns));
                    for (int c = panel; c < panel + columns; c += PackedWidth)
                    {
                        int run = Math.Min(PackedWidth, n - c);
                        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref panels, (c * k) + (r * run)), run)
                            .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, c - panel), run));
                    }
                }
            }
        }
    }
}
