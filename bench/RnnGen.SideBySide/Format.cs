using System;
using System.Globalization;

namespace RnnGen.SideBySide;

/// <summary>Invariant-culture formatting of the table's figures.</summary>
internal static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A time given in microseconds, with three significant digits, in µs below a millisecond and ms above.</summary>
    /// <param name="microseconds">The time.</param>
    /// <returns>For example "4.21 µs", "217 µs", "5.08 ms".</returns>
    public static string Time(double microseconds) =>
        microseconds < 1000 ? Significant(microseconds) + " µs" : Significant(microseconds / 1000) + " ms";

    /// <summary>A range of times, both ends in the unit of the larger one.</summary>
    /// <param name="min">The low end, in microseconds.</param>
    /// <param name="max">The high end, in microseconds.</param>
    /// <returns>For example "4.18–4.40 µs".</returns>
    public static string TimeRange(double min, double max) =>
        max < 1000 ? $"{Significant(min)}–{Significant(max)} µs" : $"{Significant(min / 1000)}–{Significant(max / 1000)} ms";

    /// <summary>A ratio, e.g. "2.92×".</summary>
    /// <param name="ratio">The ratio.</param>
    /// <returns>The text.</returns>
    public static string Ratio(double ratio) => Significant(ratio) + "×";

    /// <summary>A rate of work per call time, e.g. "85.1 GFLOP/s" or "121k tokens/s".</summary>
    /// <param name="rate">Which rate.</param>
    /// <param name="work">FLOPs or tokens per call.</param>
    /// <param name="microseconds">Time per call.</param>
    /// <returns>The text, empty for <see cref="Rate.None"/>.</returns>
    public static string RateOf(Rate rate, double work, double microseconds) => rate switch
    {
        Rate.Flops => Significant(work / microseconds / 1e3) + " GFLOP/s",
        Rate.Tokens => Significant(work / microseconds * 1e3) + "k tokens/s",
        _ => string.Empty,
    };

    /// <summary>A difference in scientific notation, e.g. "3.6e-07".</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string Scientific(double value) => value.ToString("0.0e+00", Invariant);

    /// <summary>Three significant digits (no exponent for the magnitudes of the table).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string Significant(double value)
    {
        double magnitude = Math.Abs(value);
        string format = magnitude >= 100 ? "F0" : magnitude >= 10 ? "F1" : magnitude >= 1 ? "F2" : "F3";
        return value.ToString(format, Invariant);
    }
}
