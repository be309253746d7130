using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using RnnGen.Numerics;

namespace RnnGen.Benchmarks;

/// <summary>
/// What this machine allows, measured the way the generated kernels use it: the peak rate of 512-bit
/// fused multiply–adds (one core, then every core at once), and the rate at which one core reads a
/// buffer that lives in L1, in L2 or beyond. The performance table's "limit" column comes from these
/// figures: a streaming step must read every weight once, so its time is at least the weights' size
/// divided by the read rate of the cache they live in.
/// </summary>
internal static class Limits
{
    /// <summary>Independent FMA chains: enough to cover the latency of the FMA unit several times over.</summary>
    private const int Chains = 12;

    public static int Run(string[] args)
    {
        if (args.Length > 0)
        {
            Console.Error.WriteLine($"Unknown argument '{args[0]}'. Usage: limits");
            return 2;
        }

        if (!Vector512.IsHardwareAccelerated)
        {
            Console.WriteLine("Vector512 is not hardware accelerated here; the figures below use it anyway and understate the machine.");
        }

        double one = FmaRate(threads: 1);
        int cores = Environment.ProcessorCount;
        double all = FmaRate(threads: cores);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"512-bit FMA peak, 1 core:        {one,8:F1} GFLOP/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"512-bit FMA peak, {cores} cores at once: {all,8:F1} GFLOP/s ({all / one:F2}× one core)"));

        // 16 KB stays in L1 (32 KB here); 256 KB is W_hh of an LSTM with 128 units; 425 KB is every
        // weight a Step of LSTM 64→128 + Dense 64 reads; 4 MB is past L2.
        foreach (int kilobytes in new[] { 16, 256, 425, 4096 })
        {
            var (microseconds, rate) = ReadRate(kilobytes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read {kilobytes,5} KB once, 1 core:  {microseconds,8:F2} µs ({rate,6:F1} GB/s)"));
        }

        return 0;
    }

    /// <summary>GFLOP/s of <paramref name="threads"/> threads each running <see cref="Chains"/> independent FMA chains.</summary>
    private static double FmaRate(int threads)
    {
        const long iterations = 40_000_000;
        FmaLoop(1000); // compile and warm up
        double best = 0;
        for (int repeat = 0; repeat < 3; repeat++)
        {
            var workers = new Thread[threads];
            using var start = new Barrier(threads + 1);
            for (int i = 0; i < threads; i++)
            {
                workers[i] = new Thread(() =>
                {
                    start.SignalAndWait();
                    FmaLoop(iterations);
                });
                workers[i].Start();
            }

            start.SignalAndWait();
            long t0 = Stopwatch.GetTimestamp();
            foreach (var worker in workers)
            {
                worker.Join();
            }

            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            best = Math.Max(best, threads * iterations * Chains * 16.0 * 2 / seconds / 1e9);
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float FmaLoop(long iterations)
    {
        var b = Vector512.Create(0.999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(0f), a1 = Vector512.Create(1f), a2 = Vector512.Create(2f), a3 = Vector512.Create(3f);
        Vector512<float> a4 = Vector512.Create(4f), a5 = Vector512.Create(5f), a6 = Vector512.Create(6f), a7 = Vector512.Create(7f);
        Vector512<float> a8 = Vector512.Create(8f), a9 = Vector512.Create(9f), a10 = Vector512.Create(10f), a11 = Vector512.Create(11f);
        for (long i = 0; i < iterations; i++)
        {
            a0 = Simd.MultiplyAdd(a0, b, c);
            a1 = Simd.MultiplyAdd(a1, b, c);
            a2 = Simd.MultiplyAdd(a2, b, c);
            a3 = Simd.MultiplyAdd(a3, b, c);
            a4 = Simd.MultiplyAdd(a4, b, c);
            a5 = Simd.MultiplyAdd(a5, b, c);
            a6 = Simd.MultiplyAdd(a6, b, c);
            a7 = Simd.MultiplyAdd(a7, b, c);
            a8 = Simd.MultiplyAdd(a8, b, c);
            a9 = Simd.MultiplyAdd(a9, b, c);
            a10 = Simd.MultiplyAdd(a10, b, c);
            a11 = Simd.MultiplyAdd(a11, b, c);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    /// <summary>The best time of one pass that reads a buffer of <paramref name="kilobytes"/> with 512-bit loads, and its rate.</summary>
    private static (double Microseconds, double GigabytesPerSecond) ReadRate(int kilobytes)
    {
        using var buffer = new AlignedBuffer(kilobytes * 1024 / sizeof(float));
        var values = buffer.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i % 7) * 1e-3f;
        }

        int passes = Math.Max(1, (int)(2e9 / (kilobytes * 1024.0)));
        double best = double.PositiveInfinity;
        ReadLoop(ref buffer.Reference, values.Length, 10);
        for (int repeat = 0; repeat < 5; repeat++)
        {
            long t0 = Stopwatch.GetTimestamp();
            ReadLoop(ref buffer.Reference, values.Length, passes);
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds / passes);
        }

        return (best * 1e6, kilobytes * 1024.0 / best / 1e9);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float ReadLoop(ref float start, int length, int passes)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int pass = 0; pass < passes; pass++)
        {
            for (int i = 0; i + 128 <= length; i += 128)
            {
                ref float at = ref Unsafe.Add(ref start, i);
                s0 += Vector512.LoadUnsafe(ref at, 0);
                s1 += Vector512.LoadUnsafe(ref at, 16);
                s2 += Vector512.LoadUnsafe(ref at, 32);
                s3 += Vector512.LoadUnsafe(ref at, 48);
                s4 += Vector512.LoadUnsafe(ref at, 64);
                s5 += Vector512.LoadUnsafe(ref at, 80);
                s6 += Vector512.LoadUnsafe(ref at, 96);
                s7 += Vector512.LoadUnsafe(ref at, 112);
            }
        }

        return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
    }
}
