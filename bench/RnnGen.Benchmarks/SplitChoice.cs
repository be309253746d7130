using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace RnnGen.Benchmarks;

/// <summary>
/// Batch-1 work on one thread against two, in interleaved blocks: <see cref="Lstm64x128"/>'s Step
/// (blocks of 2,000 steps) and batch-1 Forward (blocks of 60 passes) on one thread, on two threads
/// with every call split (<see cref="ThreadSplit.Always"/>), and on two threads choosing
/// (<see cref="ThreadSplit.Adaptive"/>). The three models take turns block by block, so a change in
/// the machine's speed reaches all three; each block's time is also given as a ratio to the
/// one-thread block beside it. Run it with the process limited to one core (<c>taskset -c 0</c>) to
/// see what a split costs when the second core is not free.
/// </summary>
internal static class SplitChoice
{
    public static int Run(string[] args)
    {
        int blocks = 40;
        if (args.Length == 2 && args[0] == "--blocks" && int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0)
        {
            blocks = n;
        }
        else if (args.Length > 0)
        {
            Console.Error.WriteLine("Usage: split [--blocks N] (default 40)");
            return 2;
        }

        using var one = new Lstm64x128(seed: 1);
        using var always = new Lstm64x128(seed: 1) { Threads = 2, ThreadSplit = ThreadSplit.Always };
        using var adaptive = new Lstm64x128(seed: 1) { Threads = 2 };
        Lstm64x128[] models = [one, always, adaptive];
        string[] names = ["1 thread", "2 threads, Always", "2 threads, Adaptive"];
        var states = models.Select(m => m.NewState()).ToArray();
        var random = new RandomSource(3);
        var input = new float[Lstm64x128.InputSize];
        var output = new float[Lstm64x128.OutputSize];
        var inputs = new float[Lstm64x128.SequenceLength * Lstm64x128.InputSize];
        var outputs = new float[Lstm64x128.SequenceLength * Lstm64x128.OutputSize];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = random.NextGaussian();
        }

        input.AsSpan().Fill(0.1f);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LSTM 64→128 + Dense 64, batch 1: {blocks} interleaved blocks per row (after 3 to warm up), medians and ranges"));
        foreach (var (what, calls) in new[] { ("Step", 2000), ("Forward", 60) })
        {
            bool step = what == "Step";
            var times = models.Select(_ => new List<double>()).ToArray();
            for (int b = -3; b < blocks; b++)
            {
                for (int m = 0; m < models.Length; m++)
                {
                    var model = models[m];
                    var state = states[m];
                    long started = Stopwatch.GetTimestamp();
                    for (int i = 0; i < calls; i++)
                    {
                        if (step)
                        {
                            model.Step(state, input, output);
                        }
                        else
                        {
                            model.Forward(inputs, outputs);
                        }
                    }

                    if (b >= 0)
                    {
                        times[m].Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds / calls);
                    }
                }
            }

            for (int m = 0; m < models.Length; m++)
            {
                var sorted = times[m].Order().ToList();
                var ratios = times[m].Zip(times[0], (x, y) => x / y).Order().ToList();
                int slower = ratios.Count(r => r > 1.05);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{what,-8} {names[m],-20} {sorted[sorted.Count / 2],9:F2} µs ({sorted[0]:F2}–{sorted[^1]:F2})   ÷ 1 thread {ratios[ratios.Count / 2]:F3} ({ratios[0]:F3}–{ratios[^1]:F3}), {slower}/{ratios.Count} blocks more than 5% slower"));
            }
        }

        foreach (var state in states)
        {
            state.Dispose();
        }

        return 0;
    }
}
