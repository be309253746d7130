using System;
using System.Diagnostics;
using System.Globalization;

namespace RnnGen.Benchmarks;

/// <summary>
/// How fast a fresh model steps before the runtime has finished compiling it: a new
/// <see cref="Lstm64x128"/> in a new process is stepped 480,000 times (ten seconds of audio at
/// 48 kHz), and the time of each stretch of steps is printed. Run it in a process of its own, as
/// the command line does: whatever ran before would have compiled the code already.
/// </summary>
internal static class FirstSteps
{
    private static readonly int[] Marks = [1, 10, 100, 1_000, 10_000, 48_000, 480_000];

    public static int Run(string[] args)
    {
        if (args.Length > 0)
        {
            Console.Error.WriteLine($"Unknown argument '{args[0]}'. Usage: first-steps");
            return 2;
        }

        using var model = new Lstm64x128(seed: 1);
        using var state = model.NewState();
        var input = new float[Lstm64x128.InputSize];
        var output = new float[Lstm64x128.OutputSize];
        var random = new RandomSource(5);
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = random.NextGaussian();
        }

        Console.WriteLine("LSTM 64→128 + Dense 64, a fresh model in a fresh process, 1 thread");
        Console.WriteLine("   steps                 time     per step");
        int done = 0;
        var total = Stopwatch.StartNew();
        foreach (int mark in Marks)
        {
            int first = done;
            long start = Stopwatch.GetTimestamp();
            for (; done < mark; done++)
            {
                model.Step(state, input, output);
            }

            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{first + 1,8:N0} – {mark,-9:N0} {seconds * 1e3,9:F2} ms {seconds * 1e6 / (mark - first),9:F2} µs"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"all {done:N0} steps: {total.Elapsed.TotalSeconds:F2} s"));
        return 0;
    }
}
