using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using RnnGen;
using static SampleReports.ReportPage;
using SampleReports;

namespace CharRnn;

/// <summary>What a report shows: the run's loss curves, and the taps of the trained model over a passage of validation text.</summary>
/// <param name="Title">The page's heading.</param>
/// <param name="Summary">One line about the model and the data.</param>
/// <param name="Curve">The logged steps: training loss (mean since the last log) and validation loss.</param>
/// <param name="Passage">The validation text the model read.</param>
/// <param name="Taps">The model's taps at each character of the passage: [passage length, TapSize].</param>
/// <param name="Layout">What the taps hold (the model's <c>Taps</c>).</param>
internal sealed record ReportInput(string Title, string Summary, IReadOnlyList<(int Step, double Train, double Valid)> Curve, string Passage, float[] Taps, IReadOnlyList<TapInfo> Layout)
{
    public int TapSize => Layout.Sum(t => t.Width);
}

/// <summary>
/// Writes a report as one self-contained HTML page: inline SVG and CSS, no script and nothing fetched. It
/// holds the loss curves; the passage coloured by the cells that best track simple features of the text,
/// as in Karpathy, Johnson and Fei-Fei (2016); and how often each gate is saturated. The markup is also
/// well-formed XML.
/// </summary>
internal static class Report
{
    /// <summary>Characters of the passage shown coloured per feature (the correlations use all of it).</summary>
    private const int Shown = 700;

    public static string Html(ReportInput input)
    {
        var html = ReportPage.Begin(input.Title, input.Summary,
            "pre.cells { font-family: ui-monospace, monospace; font-size: 13px; line-height: 1.5; white-space: pre-wrap; border: 1px solid #ddd; padding: 0.6em; }\n" +
            "svg text { font-size: 11px; fill: #333; }\n.gates { display: flex; flex-wrap: wrap; gap: 1em; }\n");
        html.Append("<section id=\"loss\">\n<h2>Loss</h2>\n");
        LossChart(html, input.Curve);
        html.Append("</section>\n");

        html.Append("<section id=\"cells\">\n<h2>Interpretable cells</h2>\n");
        html.Append("<p class=\"note\">For each feature of the text, the unit whose value best follows it over the ")
            .Append(input.Passage.Length.ToString("N0", CultureInfo.InvariantCulture))
            .Append(" characters of validation text the model read (Pearson's r), among the units of every layer's cell state c (or its output h, for a cell without one). Each character is coloured by the unit's value after reading it, from its lowest over the passage (blue) to its highest (red).</p>\n");
        Cells(html, input);
        html.Append("</section>\n");

        html.Append("<section id=\"saturation\">\n<h2>Gate saturation</h2>\n");
        html.Append("<p class=\"note\">One dot per unit: the fraction of characters at which the gate was above 0.9 (right) and below 0.1 (up). Gates in the corners act as switches; near the origin, they are never saturated.</p>\n");
        Saturation(html, input);
        html.Append("</section>\n");
        return ReportPage.End(html);
    }

    /// <summary>The training and validation losses against the step, as a line chart.</summary>
    private static void LossChart(StringBuilder html, IReadOnlyList<(int Step, double Train, double Valid)> curve)
    {
        if (curve.Count == 0)
        {
            html.Append("<p class=\"note\">No training in this run.</p>\n");
            return;
        }

        const double W = 640, H = 280, left = 50, right = 20, top = 20, bottom = 40;
        double maxStep = curve.Max(p => p.Step), minStep = curve.Count > 1 ? curve.Min(p => p.Step) : 0;
        double low = Math.Floor(curve.Min(p => Math.Min(p.Train, p.Valid)) * 2) / 2, high = Math.Ceiling(curve.Max(p => Math.Max(p.Train, p.Valid)) * 2) / 2;
        if (high <= low)
        {
            high = low + 0.5;
        }

        double X(double step) => left + ((step - minStep) / Math.Max(maxStep - minStep, 1) * (W - left - right));
        double Y(double loss) => top + ((high - loss) / (high - low) * (H - top - bottom));
        html.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"training and validation loss\">\n"));
        html.Append(Invariant($"<rect x=\"{left}\" y=\"{top}\" width=\"{W - left - right}\" height=\"{H - top - bottom}\" fill=\"none\" stroke=\"#bbb\" />\n"));
        for (int i = 0; i <= 4; i++)
        {
            double loss = low + ((high - low) * i / 4), y = Y(loss);
            html.Append(Invariant($"<line x1=\"{left}\" y1=\"{y:F1}\" x2=\"{W - right}\" y2=\"{y:F1}\" stroke=\"#eee\" />"));
            html.Append(Invariant($"<text x=\"{left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{loss:F2}</text>\n"));
            double step = minStep + ((maxStep - minStep) * i / 4);
            html.Append(Invariant($"<text x=\"{X(step):F1}\" y=\"{H - bottom + 16}\" text-anchor=\"middle\">{step:F0}</text>\n"));
        }

        html.Append(Invariant($"<text x=\"{(left + W - right) / 2}\" y=\"{H - 6}\" text-anchor=\"middle\">step</text>\n"));
        foreach (var (name, colour, pick) in new (string, string, Func<(int Step, double Train, double Valid), double>)[] { ("training", "#1f77b4", p => p.Train), ("validation", "#ff7f0e", p => p.Valid) })
        {
            string points = string.Join(" ", curve.Select(p => Invariant($"{X(p.Step):F1},{Y(pick(p)):F1}")));
            html.Append($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{points}\"><title>{name} loss</title></polyline>\n");
        }

        html.Append(Invariant($"<text x=\"{W - right - 8}\" y=\"{top + 16}\" text-anchor=\"end\" style=\"fill: #1f77b4\">training</text>"));
        html.Append(Invariant($"<text x=\"{W - right - 8}\" y=\"{top + 32}\" text-anchor=\"end\" style=\"fill: #ff7f0e\">validation</text>\n"));
        html.Append("</svg>\n");
        html.Append(Invariant($"<p class=\"note\">Last validation loss {curve[^1].Valid:F4} nats per character at step {curve[^1].Step}.</p>\n"));
    }

    /// <summary>
    /// The best unit for each feature, and an excerpt of the passage coloured by it: from the unit's lowest
    /// value over the passage (blue) through its midpoint (white) to its highest (red). The excerpt starts a
    /// few lines before the feature first changes, so a quote or a comment is in view.
    /// </summary>
    private static void Cells(StringBuilder html, ReportInput input)
    {
        var features = CellFeatures.Of(input.Passage).ToDictionary(f => f.Name, f => f.Values);
        foreach (var (name, layer, tap, unit, r) in BestCells(input))
        {
            if (features[name].All(v => v == features[name][0]))
            {
                html.Append(Invariant($"<h3>{Escape(name)}: not in this text</h3>\n<p class=\"note\">The feature does not change over the passage, so no unit can track it.</p>\n"));
                continue;
            }

            html.Append(Invariant($"<h3>{Escape(name)}: layer {layer}, unit {unit} of {Escape(tap.Name)}, r = {r:+0.00;−0.00}</h3>\n"));
            double low = double.MaxValue, high = double.MinValue;
            for (int t = 0; t < input.Passage.Length; t++)
            {
                double v = input.Taps[(t * input.TapSize) + tap.Offset + unit];
                low = Math.Min(low, v);
                high = Math.Max(high, v);
            }

            int start = Math.Min(ExcerptStart(input.Passage, features[name]), Math.Max(0, input.Passage.Length - Shown));
            int end = Math.Min(start + Shown, input.Passage.Length);
            html.Append("<pre class=\"cells\">");
            for (int t = start; t < end; t++)
            {
                char c = input.Passage[t];
                double v = input.Taps[(t * input.TapSize) + tap.Offset + unit];
                double shade = high > low ? Math.Clamp((2 * (v - low) / (high - low)) - 1, -1, 1) : 0;
                html.Append(c == '\n' ? "\n" : $"<span style=\"background: {ReportPage.Shade(shade)}\">{Escape(c.ToString())}</span>");
            }

            html.Append("</pre>\n");
            html.Append(Invariant($"<p class=\"note\">Characters {start:N0}–{end - 1:N0}; the unit ranges from {low:F2} (blue) to {high:F2} (red) over the passage.</p>\n"));
        }
    }

    /// <summary>The start of the line three lines before the feature first changes (0 if it never does).</summary>
    private static int ExcerptStart(string passage, double[] feature)
    {
        int first = Array.FindIndex(feature, v => v != feature[0]);
        if (first <= 0)
        {
            return 0;
        }

        int at = first;
        for (int lines = 0; lines < 4 && at > 0; lines++)
        {
            at = passage.LastIndexOf('\n', at - 1);
            if (at < 0)
            {
                return 0;
            }
        }

        return at + 1;
    }

    /// <summary>For each feature, the unit of any layer's cell state (or output, without one) whose value correlates with it most strongly.</summary>
    internal static List<(string Feature, int Layer, TapInfo Tap, int Unit, double R)> BestCells(ReportInput input)
    {
        var candidates = input.Layout.GroupBy(t => t.Layer).Select(g => g.FirstOrDefault(t => t.State == 1) ?? g.First(t => t.State == 0)).ToList();
        int n = input.Passage.Length;
        var series = new double[n];
        var best = new List<(string, int, TapInfo, int, double)>();
        foreach (var (feature, values) in CellFeatures.Of(input.Passage))
        {
            (int Layer, TapInfo Tap, int Unit, double R) top = (0, candidates[0], 0, 0);
            foreach (var tap in candidates)
            {
                for (int u = 0; u < tap.Width; u++)
                {
                    for (int t = 0; t < n; t++)
                    {
                        series[t] = input.Taps[(t * input.TapSize) + tap.Offset + u];
                    }

                    double r = CellFeatures.Correlation(series, values);
                    if (Math.Abs(r) > Math.Abs(top.R))
                    {
                        top = (tap.Layer, tap, u, r);
                    }
                }
            }

            best.Add((feature, top.Layer, top.Tap, top.Unit, top.R));
        }

        return best;
    }

    /// <summary>Per layer and gate (a named value that stays within [0, 1], such as a sigmoid), a scatter of its units' saturation.</summary>
    private static void Saturation(StringBuilder html, ReportInput input)
    {
        int n = input.Passage.Length;
        bool InUnitRange(TapInfo tap)
        {
            for (int t = 0; t < n; t++)
            {
                for (int u = 0; u < tap.Width; u++)
                {
                    float v = input.Taps[(t * input.TapSize) + tap.Offset + u];
                    if (!(v >= 0 && v <= 1))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        var gates = input.Layout.Where(t => t.State < 0 && InUnitRange(t)).ToList();
        if (gates.Count == 0)
        {
            html.Append("<p class=\"note\">This cell has no gates.</p>\n");
            return;
        }

        foreach (var layer in gates.GroupBy(g => g.Layer))
        {
            html.Append(Invariant($"<h3>Layer {layer.Key}</h3>\n<div class=\"gates\">\n"));
            foreach (var gate in layer)
            {
                const double S = 200, M = 30;
                html.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{S + M + 10}\" height=\"{S + M + 20}\" role=\"img\" aria-label=\"saturation of gate {gate.Name}\">\n"));
                html.Append(Invariant($"<text x=\"{M + (S / 2)}\" y=\"12\" text-anchor=\"middle\">{Escape(gate.Name)}</text>\n"));
                html.Append(Invariant($"<rect x=\"{M}\" y=\"20\" width=\"{S}\" height=\"{S}\" fill=\"none\" stroke=\"#bbb\" />\n"));
                html.Append(Invariant($"<text x=\"{M + (S / 2)}\" y=\"{S + M + 12}\" text-anchor=\"middle\">right-saturated (&gt; 0.9)</text>\n"));
                html.Append(Invariant($"<text x=\"12\" y=\"{20 + (S / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {20 + (S / 2)})\">left-saturated (&lt; 0.1)</text>\n"));
                for (int u = 0; u < gate.Width; u++)
                {
                    int above = 0, below = 0;
                    for (int t = 0; t < n; t++)
                    {
                        float v = input.Taps[(t * input.TapSize) + gate.Offset + u];
                        above += v > 0.9f ? 1 : 0;
                        below += v < 0.1f ? 1 : 0;
                    }

                    double x = M + (S * above / n), y = 20 + S - (S * below / n);
                    html.Append(Invariant($"<circle cx=\"{x:F1}\" cy=\"{y:F1}\" r=\"2.5\" fill=\"#1f77b4\" fill-opacity=\"0.6\" />"));
                }

                html.Append("\n</svg>\n");
            }

            html.Append("</div>\n");
        }
    }
}
