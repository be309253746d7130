using System;
using System.Globalization;
using System.IO;

namespace CharRnn;

/// <summary>Command-line options; see the usage text in <see cref="Program"/>.</summary>
public sealed class Options
{
    public string? Data { get; private set; }

    public int Steps { get; private set; } = 400;

    public double Minutes { get; private set; } = 10;

    public float LearningRate { get; private set; } = 2e-3f;

    public float Clip { get; private set; } = 5f;

    public int LogEvery { get; private set; } = 25;

    public string Out { get; private set; } = "charrnn.safetensors";

    public string? Load { get; private set; }

    public int Length { get; private set; } = 500;

    public float Temperature { get; private set; } = 0.8f;

    public string? Prime { get; private set; }

    public int Seed { get; private set; } = 1;

    /// <summary>Where to keep the training checkpoint, to resume an interrupted run; <see langword="null"/> for none.</summary>
    public string? Checkpoint { get; private set; }

    /// <summary>Threads for training; <see langword="null"/> for the cores (at most 4).</summary>
    public int? Threads { get; private set; }

    /// <summary>Steps between checkpoints.</summary>
    public int CheckpointEvery { get; private set; } = 25;

    public bool Help { get; private set; }

    /// <summary>Where to write the HTML report (loss curves, interpretable cells, gate saturation); <see langword="null"/> for none.</summary>
    public string? Report { get; private set; }

    /// <summary>The recurrent cell: one of <see cref="Cells"/>.</summary>
    public string Cell { get; private set; } = "lstm";

    /// <summary>The cells the sample declares a model for.</summary>
    public static readonly string[] Cells = ["lstm", "peephole", "coupled", "gru", "gru-reset-before", "mut1", "mut2", "mut3", "mgu"];

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                o.Help = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            string value = args[++i];
            switch (name)
            {
                case "--data": o.Data = ExistingFile(name, value); break;
                case "--cell": o.Cell = Array.IndexOf(Cells, value) >= 0 ? value : throw new ArgumentException($"--cell must be one of {string.Join(", ", Cells)}, not '{value}'."); break;
                case "--steps": o.Steps = Int(name, value, 0); break;
                case "--minutes": o.Minutes = Number(name, value, 0.01); break;
                case "--lr": o.LearningRate = (float)Number(name, value, 1e-9); break;
                case "--clip": o.Clip = (float)Number(name, value, 1e-9); break;
                case "--log-every": o.LogEvery = Int(name, value, 1); break;
                case "--out": o.Out = value; break;
                case "--load": o.Load = ExistingFile(name, value); break;
                case "--length": o.Length = Int(name, value, 0); break;
                case "--temperature": o.Temperature = (float)Number(name, value, 0); break;
                case "--prime": o.Prime = value.Length > 0 ? value : throw new ArgumentException("--prime needs at least one character."); break;
                case "--seed": o.Seed = Int(name, value, 0); break;
                case "--checkpoint": o.Checkpoint = value.Length > 0 ? value : throw new ArgumentException("--checkpoint needs a directory."); break;
                case "--checkpoint-every": o.CheckpointEvery = Int(name, value, 1); break;
                case "--threads": o.Threads = Math.Min(Int(name, value, 1), 64); break;
                case "--report": o.Report = value.Length > 0 ? value : throw new ArgumentException("--report needs a file name."); break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        }

        return o;
    }

    private static string ExistingFile(string name, string value) =>
        File.Exists(value) ? value : throw new ArgumentException($"{name}: the file {value} does not exist.");

    private static int Int(string name, string value, int min) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min
            ? n
            : throw new ArgumentException($"{name} takes a whole number of at least {min}, not '{value}'.");

    private static double Number(string name, string value, double min) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x >= min && double.IsFinite(x)
            ? x
            : throw new ArgumentException($"{name} takes a number of at least {min.ToString(CultureInfo.InvariantCulture)}, not '{value}'.");
}
