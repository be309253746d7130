using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace RnnGen.SideBySide;

/// <summary>One contender's figures in a row: a sample per round, and its ratio to RnnGen's sample of the same round.</summary>
/// <param name="Name">The contender's name.</param>
/// <param name="Samples">Microseconds per call, one per round, in round order.</param>
/// <param name="Ratios">This contender's sample ÷ RnnGen's, per round (all 1 for RnnGen itself).</param>
internal sealed record Measured(string Name, double[] Samples, double[] Ratios)
{
    /// <summary>The median of the rounds' samples, in microseconds.</summary>
    public double Median => Statistics.Median(Samples);
}

/// <summary>
/// Times the contenders of a row in interleaved rounds, so that a slow stretch of the machine falls on
/// every implementation alike rather than on whichever ran then.
/// </summary>
/// <remarks>
/// Each contender is warmed up first (at least <see cref="WarmUpSeconds"/> and <see cref="WarmUpCalls"/>
/// calls, as the RnnGen table does, so that tiered compilation has finished). Then, in each of R
/// rounds, every contender is timed in turn, the order rotating by one each round: a sample is the
/// median over Stopwatch-timed batches of calls, each batch sized from the warm-up to last about a
/// millisecond, taken for the row's budget of seconds.
/// </remarks>
internal static class Timing
{
    /// <summary>Shortest warm-up of each contender, in seconds.</summary>
    public const double WarmUpSeconds = 1.0;

    /// <summary>Fewest calls in the warm-up of each contender.</summary>
    public const int WarmUpCalls = 100;

    /// <summary>Fewest batches in one sample.</summary>
    private const int MinimumBatches = 3;

    /// <summary>Times the contenders; the first one is RnnGen, the reference of the ratios.</summary>
    /// <param name="contenders">RnnGen first, then its peers.</param>
    /// <param name="rounds">R.</param>
    /// <param name="seconds">Time budget of one sample.</param>
    /// <param name="progress">Told of each round, for the console.</param>
    /// <returns>The figures, in the order of <paramref name="contenders"/>.</returns>
    public static Measured[] Run(IReadOnlyList<Contender> contenders, int rounds, double seconds, Action<string> progress)
    {
        var batches = contenders.Select(WarmUp).ToArray();
        var samples = contenders.Select(_ => new double[rounds]).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < contenders.Count; k++)
            {
                int i = (round + k) % contenders.Count;
                samples[i][round] = Sample(contenders[i], batches[i], seconds);
            }

            progress(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"round {round + 1}/{rounds}: {string.Join(", ", contenders.Select((c, i) => $"{c.Name} {Format.Time(samples[i][round])}"))}"));
        }

        return contenders.Select((c, i) => new Measured(c.Name, samples[i],
            samples[i].Select((s, round) => s / samples[0][round]).ToArray())).ToArray();
    }

    /// <summary>Warms a contender up and returns the number of calls in a batch of about a millisecond.</summary>
    private static int WarmUp(Contender contender)
    {
        using var scope = contender.BeginSample();
        var clock = Stopwatch.StartNew();
        long calls = 0;
        while (clock.Elapsed.TotalSeconds < WarmUpSeconds || calls < WarmUpCalls)
        {
            contender.Run();
            calls++;
        }

        // The per-call time of the last part of the warm-up, when compilation has settled.
        long start = Stopwatch.GetTimestamp();
        long tail = Math.Max(1, calls / 10);
        for (long i = 0; i < tail; i++)
        {
            contender.Run();
        }

        double perCall = Stopwatch.GetElapsedTime(start).TotalSeconds / tail;
        return (int)Math.Clamp(1e-3 / perCall, 1, 1_000_000);
    }

    /// <summary>The median time of one call over batches taken for <paramref name="seconds"/>, in microseconds.</summary>
    private static double Sample(Contender contender, int batch, double seconds)
    {
        using var scope = contender.BeginSample();
        var times = new List<double>();
        long begin = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(begin).TotalSeconds < seconds || times.Count < MinimumBatches)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < batch; i++)
            {
                contender.Run();
            }

            times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds * 1e6 / batch);
        }

        return Statistics.Median(times);
    }
}

/// <summary>Order statistics.</summary>
internal static class Statistics
{
    /// <summary>The median (the mean of the middle two for an even count).</summary>
    /// <param name="values">At least one value.</param>
    /// <returns>The median.</returns>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
