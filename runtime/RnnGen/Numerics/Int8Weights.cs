using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace RnnGen.Numerics
{
    /// <summary>
    /// int8 copies of packed weight matrices with a float32 scale per row of W, for the generated
    /// <c>LinearCompact</c> kernels (see <see cref="WeightFormat.Int8"/> and <see cref="Int8Panels"/>).
    /// </summary>
    /// <remarks>
    /// Row j of W (column j of the packed Wᵀ, output j of the product) is stored as
    /// q[j, k] = round(W[j, k] / s[j]), rounded to nearest even, with s[j] = max_k |W[j, k]| / 127, so
    /// q lies in [−127, 127] and each weight is within s[j]/2 of q[j, k]·s[j]. A row of zeros has s = 0.
    /// The kernels compute y[j] = s[j]·Σ_k x[k]·q[j, k] + b[j] in float32. The panels keep the float32
    /// copy's element offsets (one byte per element) and the plain order.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Int8Weights
    {
        /// <summary>Columns per packed panel of Wᵀ, as in the generated kernels.</summary>
        public const int PanelWidth = 32;

        /// <summary>The largest magnitude of a quantized weight.</summary>
        public const int Levels = 127;

        /// <summary>
        /// Writes the int8 copy of an N × K matrix's packed panels of Wᵀ (the layout the generated
        /// <c>Pack</c> kernels write) and the N scales of its rows.
        /// </summary>
        /// <param name="panels">The float32 packed panels, N·K floats.</param>
        /// <param name="compact">Receives the N·K quantized weights, at the panels' element offsets.</param>
        /// <param name="scales">Receives the N scales, s[j] for row j of W.</param>
        /// <param name="n">Rows of W (columns of Wᵀ).</param>
        /// <param name="k">Columns of W (rows of Wᵀ).</param>
        public static void Pack(ref float panels, ref sbyte compact, ref float scales, int n, int k) => Pack(ref panels, ref compact, ref scales, n, k, PanelWidth);

        /// <summary>
        /// Writes the int8 copy of an N × K matrix's row copy (see <see cref="RowPanels"/>: Wᵀ in panels of
        /// <see cref="RowPanels.Width"/> columns) and the N scales of its rows, the same scales as
        /// <see cref="Pack(ref float, ref sbyte, ref float, int, int)"/> writes from the same weights
        /// (nothing when <see cref="RowPanels.Width"/> is 0).
        /// </summary>
        /// <param name="rows">The float32 row copy, N·K floats.</param>
        /// <param name="compact">Receives the N·K quantized weights, at the row copy's element offsets.</param>
        /// <param name="scales">Receives the N scales, s[j] for row j of W.</param>
        /// <param name="n">Rows of W (columns of Wᵀ).</param>
        /// <param name="k">Columns of W (rows of Wᵀ).</param>
        public static void PackRows(ref float rows, ref sbyte compact, ref float scales, int n, int k)
        {
            int width = RowPanels.Width;
            if (width > 0)
            {
                Pack(ref rows, ref compact, ref scales, n, k, width);
            }
        }

        /// <summary>The int8 copy of Wᵀ in panels of <paramref name="width"/> columns, the last narrower, and its scales.</summary>
        private static void Pack(ref float panels, ref sbyte compact, ref float scales, int n, int k, int width)
        {
            for (int p = 0; p < n; p += width)
            {
                int columns = Math.Min(width, n - p);
                int start = p * k;
                for (int j = 0; j < columns; j++)
                {
                    // Column j of the panel: elements start + r·columns + j for r < K.
                    float max = 0f;
                    for (int r = 0; r < k; r++)
                    {
                        max = Math.Max(max, Math.Abs(Unsafe.Add(ref panels, start + (r * columns) + j)));
                    }

                    float scale = max / Levels;
                    Unsafe.Add(ref scales, p + j) = scale;
                    for (int r = 0; r < k; r++)
                    {
                        int e = start + (r * columns) + j;
                        Unsafe.Add(ref compact, e) = Quantize(Unsafe.Add(ref panels, e), scale);
                    }
                }
            }
        }

        /// <summary>round(value / scale) to nearest even, in [−127, 127]; 0 when the scale is 0.</summary>
        /// <param name="value">The weight.</param>
        /// <param name="scale">Its row's scale.</param>
        /// <returns>The quantized weight.</returns>
        public static sbyte Quantize(float value, float scale)
        {
            if (scale == 0f)
            {
                return 0;
            }

            float q = MathF.Round(value / scale, MidpointRounding.ToEven);
            return (sbyte)Math.Clamp(q, -Levels, Levels);
        }
    }
}
