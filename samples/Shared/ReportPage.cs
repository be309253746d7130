using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace SampleReports;

/// <summary>
/// The frame of a sample's report: one self-contained HTML page (inline CSS, no script, nothing fetched)
/// whose markup is also well-formed XML, and the helpers its content needs.
/// </summary>
internal static class ReportPage
{
    /// <summary>The page up to the start of its content: the head with the shared style, the title and a summary line.</summary>
    public static StringBuilder Begin(string title, string summary, string css = "")
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
        html.Append("<title>").Append(Escape(title)).Append("</title>\n<style>\n");
        html.Append("body { font-family: system-ui, sans-serif; margin: 2em; max-width: 70em; color: #222; }\n");
        html.Append(".note { color: #666; }\n");
        html.Append(css);
        html.Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(Escape(title)).Append("</h1>\n");
        html.Append("<p>").Append(Escape(summary)).Append("</p>\n");
        return html;
    }

    /// <summary>Closes the page and returns its text.</summary>
    public static string End(StringBuilder html) => html.Append("</body>\n</html>\n").ToString();

    /// <summary>Closes the page and writes it to <paramref name="path"/>, creating its directory.</summary>
    public static void Write(StringBuilder html, string path)
    {
        string text = End(html);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, text);
    }

    /// <summary>A background for a value in [−1, 1]: blue below 0, red above, as strong as the value.</summary>
    public static string Shade(double value)
    {
        double v = Math.Clamp(value, -1, 1);
        return v >= 0 ? Invariant($"rgba(214, 39, 40, {v:F2})") : Invariant($"rgba(31, 119, 180, {-v:F2})");
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
