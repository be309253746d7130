using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace RnnGen.SideBySide;

/// <summary>The command line of the harness.</summary>
internal sealed class Options
{
    /// <summary>R: rounds in which every implementation of a row is timed in turn.</summary>
    public int Rounds { get; private set; } = 9;

    /// <summary>The time budget of one sample (one implementation in one round), in seconds.</summary>
    public double Seconds { get; private set; } = 0.5;

    /// <summary>Whether to print JSON instead of the table.</summary>
    public bool Json { get; private set; }

    /// <summary>The rows to run, or <see langword="null"/> for all.</summary>
    public string[]? Only { get; private set; }

    /// <summary>Where bench/export_onnx.py wrote its files, or <see langword="null"/> to look for bench/onnx-models.</summary>
    public string? Models { get; private set; }

    /// <summary>Whether to leave ONNX Runtime out.</summary>
    public bool NoOrt { get; private set; }

    /// <summary>Whether to leave TorchSharp out.</summary>
    public bool NoTorch { get; private set; }

    /// <summary>The usage text.</summary>
    public static string Usage => $"""
        Usage: RnnGen.SideBySide [--rounds R] [--seconds S] [--json] [--only KEY,KEY…] [--models DIR] [--no-ort] [--no-torch]
          --rounds R     rounds per row, every implementation timed once per round (default 9)
          --seconds S    time of one implementation's sample in a round (default 0.5)
          --json         print the results as JSON instead of the table
          --only KEYS    run only these rows: {string.Join(", ", Rows.Keys)}
          --models DIR   the output of bench/export_onnx.py (default: bench/onnx-models, looked for upwards)
          --no-ort       leave ONNX Runtime out
          --no-torch     leave TorchSharp out
        """;

    /// <summary>Parses the arguments.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="error">What is wrong, when it returns <see langword="null"/>.</param>
    /// <returns>The options, or <see langword="null"/>.</returns>
    public static Options? Parse(string[] args, out string error)
    {
        var options = new Options();
        error = string.Empty;
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--rounds" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int rounds) && rounds > 0:
                    options.Rounds = rounds;
                    i++;
                    break;
                case "--seconds" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0:
                    options.Seconds = seconds;
                    i++;
                    break;
                case "--only" when value is not null:
                    options.Only = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (Array.Find(options.Only, key => Array.IndexOf(Rows.Keys, key) < 0) is string unknown)
                    {
                        error = $"Unknown row '{unknown}'. Keys: {string.Join(", ", Rows.Keys)}";
                        return null;
                    }

                    i++;
                    break;
                case "--models" when value is not null:
                    options.Models = value;
                    i++;
                    break;
                case "--json":
                    options.Json = true;
                    break;
                case "--no-ort":
                    options.NoOrt = true;
                    break;
                case "--no-torch":
                    options.NoTorch = true;
                    break;
                default:
                    error = $"Unknown or incomplete argument '{args[i]}'.";
                    return null;
            }
        }

        return options;
    }
}

/// <summary>
/// RnnGen against ONNX Runtime and LibTorch (through TorchSharp) in one process: the same models with
/// the same weights, fp32, each row's implementations timed in interleaved rounds, with the ratio of
/// each to RnnGen per round.
/// </summary>
/// <remarks>
/// Before timing a row, every implementation computes the row's outputs (for a step, several steps
/// from a zero state; for training, the loss and every gradient) and the largest absolute difference
/// from RnnGen's is printed, so that the figures compare the same computation. bench/README.md says
/// how to run it (bench/side_by_side_dotnet.sh exports the models, builds and patches).
/// </remarks>
internal static class Program
{
    /// <summary>An agreement check above this largest absolute difference is reported as a warning.</summary>
    private const double Tolerance = 1e-4;

    /// <summary>Runs the harness.</summary>
    /// <param name="args">See <see cref="Options.Usage"/>.</param>
    /// <returns>0 on success, 2 on a bad command line.</returns>
    public static int Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }

        var options = Options.Parse(args, out string error);
        if (options is null)
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(Options.Usage);
            return 2;
        }

        var skipped = new Dictionary<string, string>();
        string? models = options.Models ?? FindModels();
        if (models is not null && !Directory.Exists(models))
        {
            skipped["models"] = $"{models} does not exist";
            models = null;
        }
        else if (models is null)
        {
            skipped["models"] = "bench/onnx-models not found: RnnGen keeps its seeded weights (run bench/export_onnx.py)";
        }

        bool ort = !options.NoOrt && models is not null;
        if (options.NoOrt)
        {
            skipped["ONNX Runtime"] = "left out (--no-ort)";
        }
        else if (!ort)
        {
            skipped["ONNX Runtime"] = "no ONNX Runtime rows in this run: no exported ONNX models (run bench/export_onnx.py)";
        }

        bool torch = false;
        if (options.NoTorch)
        {
            skipped["TorchSharp"] = "left out (--no-torch)";
        }
        else if (!(torch = TorchRuntime.TryLoad(out string reason)))
        {
            skipped["TorchSharp"] = "no TorchSharp rows in this run, LibTorch does not load: " + reason;
        }

        Log($"RnnGen side by side: {Environment.ProcessorCount} processors, .NET {Environment.Version}, "
            + $"ONNX Runtime {(ort ? OrtEnv.Instance().GetVersionString() : "—")}, "
            + $"TorchSharp {(torch ? typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) : "—")}; "
            + $"{options.Rounds} rounds of {options.Seconds.ToString(CultureInfo.InvariantCulture)} s per implementation");
        Log($"weights and graphs: {models ?? "none"}");
        foreach (var (what, why) in skipped)
        {
            Log($"NOTE: {what}: {why}");
        }

        if (!options.Json)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RnnGen side by side: {options.Rounds} interleaved round{(options.Rounds == 1 ? string.Empty : "s")} per row, samples of {options.Seconds} s, {Environment.ProcessorCount} processors"));
            foreach (var (what, why) in skipped)
            {
                Console.Out.WriteLine($"NOTE: {what}: {why}");
            }
        }

        var peers = new Peers(new Inputs(), models, ort, torch);
        var results = new List<(Row Row, List<Agreement> Agreement, Measured[] Measured)>();
        foreach (var row in Rows.All.Where(r => options.Only is null || options.Only.Contains(r.Key)))
        {
            Log($"== {row.Label} [{row.Key}]");
            var contenders = row.Build(peers);
            try
            {
                var agreement = Check(contenders, row.CheckCalls);
                var measured = Timing.Run(contenders, options.Rounds, options.Seconds, line => Log("   " + line));
                results.Add((row, agreement, measured));
                if (!options.Json)
                {
                    PrintRow(row, agreement, measured, options.Rounds);
                }
            }
            finally
            {
                foreach (var contender in contenders)
                {
                    contender.Dispose();
                }
            }
        }

        if (options.Json)
        {
            PrintJson(options, skipped, results);
        }

        return 0;
    }

    /// <summary>Every peer's largest absolute difference from RnnGen on one check.</summary>
    /// <param name="Implementation">The peer.</param>
    /// <param name="What">What was compared, e.g. "outputs of 5 steps".</param>
    /// <param name="MaxAbsDifference">The largest absolute difference.</param>
    /// <param name="MaxAbsReference">The largest absolute value of RnnGen's, for scale.</param>
    /// <param name="Tolerance">The largest difference of the same computation (see <see cref="Contender.RelativeTolerance"/>).</param>
    internal sealed record Agreement(string Implementation, string What, double MaxAbsDifference, double MaxAbsReference, double Tolerance);

    private static List<Agreement> Check(List<Contender> contenders, int calls)
    {
        var reference = contenders[0].Check(calls);
        var agreement = new List<Agreement>();
        foreach (var peer in contenders.Skip(1))
        {
            var values = peer.Check(calls);
            for (int i = 0; i < reference.Count; i++)
            {
                var (what, want) = reference[i];
                var got = values[i].Values;
                if (got.Length != want.Length)
                {
                    throw new InvalidOperationException($"{peer.Name} gives {got.Length} values for '{what}', RnnGen {want.Length}.");
                }

                double difference = 0, scale = 0;
                for (int j = 0; j < want.Length; j++)
                {
                    difference = Math.Max(difference, float.IsFinite(got[j]) ? Math.Abs((double)got[j] - want[j]) : double.PositiveInfinity);
                    scale = Math.Max(scale, Math.Abs(want[j]));
                }

                double tolerance = peer.RelativeTolerance is double relative ? relative * scale : Tolerance;
                agreement.Add(new Agreement(peer.Name, what, difference, scale, tolerance));
                string line = $"   agreement: {peer.Name,-22} max |Δ| = {Format.Scientific(difference)} on {what} (max |RnnGen| = {Format.Significant(scale)})";
                Log(line);
                if (!(difference <= tolerance))
                {
                    string warning = $"WARNING: {peer.Name} differs from RnnGen by {Format.Scientific(difference)} (> {Format.Scientific(tolerance)}) on {what}: "
                        + "this row may not compare the same computation.";
                    Log("   " + new string('!', 8) + " " + warning);
                }
            }
        }

        return agreement;
    }

    private static void PrintRow(Row row, List<Agreement> agreement, Measured[] measured, int rounds)
    {
        Console.Out.WriteLine();
        Console.Out.WriteLine($"{row.Label}   [{row.Key}]");
        foreach (var group in agreement.GroupBy(a => a.What))
        {
            Console.Out.WriteLine($"  max |Δ| from RnnGen on {group.Key}: "
                + string.Join(", ", group.Select(a => $"{a.Implementation} {Format.Scientific(a.MaxAbsDifference)}")));
        }

        foreach (var a in agreement.Where(a => !(a.MaxAbsDifference <= a.Tolerance)))
        {
            Console.Out.WriteLine($"  !!! WARNING: {a.Implementation} differs from RnnGen by {Format.Scientific(a.MaxAbsDifference)} on {a.What}: not the same computation?");
        }

        bool rate = row.Rate != Rate.None;
        var table = new List<string[]>
        {
            new[] { "implementation", "median", $"range ({rounds} round{(rounds == 1 ? string.Empty : "s")})", rate ? "at the median" : string.Empty, "÷ RnnGen", "range" },
        };
        foreach (var m in measured)
        {
            bool self = m.Name == RnnGenContenders.Name;
            table.Add(
            [
                m.Name,
                Format.Time(m.Median),
                Format.TimeRange(m.Samples.Min(), m.Samples.Max()),
                Format.RateOf(row.Rate, row.Work, m.Median),
                self ? string.Empty : Format.Ratio(Statistics.Median(m.Ratios)),
                self ? string.Empty : $"{Format.Significant(m.Ratios.Min())}–{Format.Ratio(m.Ratios.Max())}",
            ]);
        }

        // Names and ranges left-aligned, figures right-aligned; an empty column takes no room.
        bool[] right = [false, true, false, true, true, false];
        int[] widths = Enumerable.Range(0, right.Length).Select(c => table.Max(cells => cells[c].Length)).ToArray();
        foreach (var cells in table)
        {
            var parts = cells.Select((cell, c) => widths[c] == 0 ? null : right[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))
                .Where(part => part is not null);
            Console.Out.WriteLine(("  " + string.Join("   ", parts)).TrimEnd());
        }

        Console.Out.Flush();
    }

    private static void PrintJson(Options options, Dictionary<string, string> skipped, List<(Row Row, List<Agreement> Agreement, Measured[] Measured)> results)
    {
        using var stream = Console.OpenStandardOutput();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("rounds", options.Rounds);
            json.WriteNumber("seconds", options.Seconds);
            json.WriteNumber("processors", Environment.ProcessorCount);
            json.WriteStartObject("skipped");
            foreach (var (what, why) in skipped)
            {
                json.WriteString(what, why);
            }

            json.WriteEndObject();
            json.WriteStartArray("rows");
            foreach (var (row, agreement, measured) in results)
            {
                json.WriteStartObject();
                json.WriteString("key", row.Key);
                json.WriteString("label", row.Label);
                json.WriteNumber("threads", row.Threads);
                if (row.Rate == Rate.Flops)
                {
                    json.WriteNumber("flops", row.Work);
                }
                else if (row.Rate == Rate.Tokens)
                {
                    json.WriteNumber("tokens", row.Work);
                }

                json.WriteStartArray("agreement");
                foreach (var a in agreement)
                {
                    json.WriteStartObject();
                    json.WriteString("implementation", a.Implementation);
                    json.WriteString("what", a.What);
                    json.WriteNumber("max_abs_difference", a.MaxAbsDifference);
                    json.WriteNumber("max_abs_rnngen", a.MaxAbsReference);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("implementations");
                foreach (var m in measured)
                {
                    json.WriteStartObject();
                    json.WriteString("name", m.Name);
                    json.WriteNumber("median_us", m.Median);
                    json.WriteNumber("min_us", m.Samples.Min());
                    json.WriteNumber("max_us", m.Samples.Max());
                    json.WriteStartArray("samples_us");
                    foreach (double s in m.Samples)
                    {
                        json.WriteNumberValue(s);
                    }

                    json.WriteEndArray();
                    json.WriteNumber("ratio_median", Statistics.Median(m.Ratios));
                    json.WriteNumber("ratio_min", m.Ratios.Min());
                    json.WriteNumber("ratio_max", m.Ratios.Max());
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
    }

    /// <summary>Progress and notes, on standard error so that standard output holds only the results.</summary>
    private static void Log(string line) => Console.Error.WriteLine(line);

    /// <summary>bench/onnx-models, looked for from the working directory and from the program's directory upwards.</summary>
    private static string? FindModels()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "bench", "onnx-models");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }

                if (dir.Name == "bench" && Directory.Exists(Path.Combine(dir.FullName, "onnx-models")))
                {
                    return Path.Combine(dir.FullName, "onnx-models");
                }
            }
        }

        return null;
    }
}
