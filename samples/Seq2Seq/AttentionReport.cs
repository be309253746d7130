using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using static SampleReports.ReportPage;
using SampleReports;

namespace Seq2Seq;

/// <summary>One word's attention: the decoder's weights over the word's letters at each phoneme it emits.</summary>
/// <param name="Word">The spelling, one column per letter.</param>
/// <param name="Phonemes">The phonemes emitted, one row each, the end marker last.</param>
/// <param name="Weights">[phoneme, letter]: each row sums to 1.</param>
internal sealed record AttentionMap(string Word, string[] Phonemes, float[,] Weights);

/// <summary>
/// Writes the attention maps of some held-out words as one self-contained HTML page (inline SVG and CSS, no
/// script, nothing fetched; well-formed XML): letters across, phonemes down, each cell as dark as the
/// weight the decoder gave that letter when it emitted that phoneme, as in "Show, Attend and Tell".
/// </summary>
internal static class AttentionReport
{
    private const int Cell = 24, Margin = 44;

    public static string Html(string title, string summary, IReadOnlyList<AttentionMap> maps)
    {
        var html = ReportPage.Begin(title, summary,
            "svg text { font-size: 12px; fill: #333; font-family: ui-monospace, monospace; }\n.maps { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }\n");
        html.Append("<section id=\"attention\">\n<h2>Where the decoder looks</h2>\n");
        html.Append("<p class=\"note\">Each map is one held-out word, the decoder teacher-forced on the dictionary's pronunciation. Columns are the letters, rows the phonemes emitted (· ends the word); a cell's darkness is the attention weight on that letter for that phoneme.</p>\n");
        html.Append("<div class=\"maps\">\n");
        foreach (var map in maps)
        {
            Map(html, map);
        }

        html.Append("</div>\n</section>\n");
        return ReportPage.End(html);
    }

    private static void Map(StringBuilder html, AttentionMap map)
    {
        int rows = map.Phonemes.Length, columns = map.Word.Length;
        int width = Margin + (columns * Cell) + 8, height = Margin + (rows * Cell) + 8;
        html.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"attention for {Escape(map.Word)}\">\n"));
        html.Append(Invariant($"<text x=\"{Margin}\" y=\"14\">{Escape(map.Word)}</text>\n"));
        for (int j = 0; j < columns; j++)
        {
            html.Append(Invariant($"<text x=\"{Margin + (j * Cell) + (Cell / 2)}\" y=\"{Margin - 6}\" text-anchor=\"middle\">{Escape(map.Word[j].ToString())}</text>"));
        }

        html.Append('\n');
        for (int i = 0; i < rows; i++)
        {
            html.Append(Invariant($"<text x=\"{Margin - 6}\" y=\"{Margin + (i * Cell) + (Cell / 2) + 4}\" text-anchor=\"end\">{Escape(map.Phonemes[i])}</text>"));
            for (int j = 0; j < columns; j++)
            {
                float w = map.Weights[i, j];
                html.Append(Invariant($"<rect x=\"{Margin + (j * Cell)}\" y=\"{Margin + (i * Cell)}\" width=\"{Cell}\" height=\"{Cell}\" fill=\"rgba(31, 119, 180, {Math.Clamp(w, 0f, 1f):F3})\" stroke=\"#eee\"><title>{Escape(map.Phonemes[i])} ← {Escape(map.Word[j].ToString())}: {w:F3}</title></rect>"));
            }

            html.Append('\n');
        }

        html.Append("</svg>\n");
    }
}
