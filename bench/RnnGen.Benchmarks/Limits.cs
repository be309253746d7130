using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;
using RnnGen.Numerics;

namespace RnnGen.Benchmarks;

/// <summary>
/// What this machine allows, measured the way the generated kernels use it: the peak rate of fused
/// multiply–adds at the widest vector width the runtime accelerates here (512-bit with AVX-512, 256-bit
/// with AVX2, 128-bit otherwise), one core and then every core at once, and the rate at which one core
/// reads a buffer that lives in L1, in L2 or beyond, the rate of a product that reads 256 KB of weights
/// from L2 in the packed layout's panels and in wider ones (one row, and register tiles over 32 rows),
/// and the latency of an FMA and of the activations in a chain of dependent calls (what bounds a small
/// model's step). The performance table's "limit" column comes from
/// these figures: a streaming step must read every weight once, so its time is at least the weights'
/// size divided by the read rate of the cache they live in.
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

        if (Vector512.IsHardwareAccelerated)
        {
            return Measure<Wide512, Vector512<float>>();
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return Measure<Wide256, Vector256<float>>();
        }

        if (!Vector128.IsHardwareAccelerated)
        {
            Console.WriteLine("No vector width is hardware accelerated here; the figures below use 128-bit vectors anyway.");
        }

        return Measure<Wide128, Vector128<float>>();
    }

    private static int Measure<TWidth, TVector>()
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        int bits = TWidth.Floats * 32;
        double one = FmaRate<TWidth, TVector>(threads: 1);
        int cores = Environment.ProcessorCount;
        double all = FmaRate<TWidth, TVector>(threads: cores);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bits}-bit FMA peak, 1 core:        {one,8:F1} GFLOP/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bits}-bit FMA peak, {cores} cores at once: {all,8:F1} GFLOP/s ({all / one:F2}× one core)"));

        // 16 KB stays in L1 (32 KB here); 256 KB is W_hh of an LSTM with 128 units; 425 KB is every
        // weight a Step of LSTM 64→128 + Dense 64 reads; 4 MB is past L2.
        foreach (int kilobytes in new[] { 16, 256, 425, 4096 })
        {
            var (microseconds, rate) = ReadRate<TWidth, TVector>(kilobytes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read {kilobytes,5} KB once, 1 core, {bits}-bit loads:  {microseconds,8:F2} µs ({rate,6:F1} GB/s)"));
        }

        // A streaming step's product reads one row of weights per element of x, as eight accumulators of
        // multiply–adds: how fast that reads W_hh of an LSTM with 128 units (Wᵀ [128 × 512], 256 KB, from L2)
        // depends on how many streams of addresses it interleaves.
        var (panels, contiguous) = RowProductRates<TWidth, TVector>();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one row × Wᵀ [128 × 512] (256 KB), {bits}-bit: packed panels of {PackedPanel} columns ({Streams(8 * TWidth.Floats / Math.Min(8 * TWidth.Floats, PackedPanel))}) {panels.Microseconds,6:F2} µs ({panels.Rate,5:F1} GB/s); " +
            $"panels of {8 * TWidth.Floats} columns (1 stream) {contiguous.Microseconds,6:F2} µs ({contiguous.Rate,5:F1} GB/s)"));
        var (tiles, wideTiles) = TileProductRates<TWidth, TVector>();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"32 rows × the same Wᵀ in tiles of 4 rows × {2 * TWidth.Floats} columns, {bits}-bit: packed panels of {PackedPanel} columns {tiles.Microseconds,6:F2} µs ({tiles.Rate,5:F1} GFLOP/s); " +
            $"panels of {8 * TWidth.Floats} columns {wideTiles.Microseconds,6:F2} µs ({wideTiles.Rate,5:F1} GFLOP/s)"));

        // A recurrent step is a chain of dependent operations: their latency, not the FMA rate, bounds a
        // small model's step. Each figure is one call in a chain of calls, each on the last one's result.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency in a dependent chain, {bits}-bit: FMA {Latency<TWidth, TVector, FmaStep<TWidth, TVector>>():F2} ns, " +
            $"Sigmoid {Latency<TWidth, TVector, SigmoidStep<TWidth, TVector>>():F1} ns, Tanh {Latency<TWidth, TVector, TanhStep<TWidth, TVector>>():F1} ns, " +
            $"RationalSigmoid {Latency<TWidth, TVector, RationalSigmoidStep<TWidth, TVector>>():F1} ns, RationalTanh {Latency<TWidth, TVector, RationalTanhStep<TWidth, TVector>>():F1} ns"));
        return 0;
    }

    /// <summary>Nanoseconds per call of <typeparamref name="TStep"/> in a chain of calls (the median of five runs of 0.1 s).</summary>
    private static double Latency<TWidth, TVector, TStep>()
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
        where TStep : struct, IStep<TVector>
    {
        const long Calls = 1 << 20;
        TVector x = TWidth.Create(0.3f);
        x = Chain<TVector, TStep>(x, Calls);
        var runs = new double[5];
        for (int r = 0; r < runs.Length; r++)
        {
            long calls = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed.TotalSeconds < 0.1)
            {
                x = Chain<TVector, TStep>(x, Calls);
                calls += Calls;
            }

            runs[r] = watch.Elapsed.TotalSeconds * 1e9 / calls;
        }

        Sink = TWidth.Sum(x);
        Array.Sort(runs);
        return runs[runs.Length / 2];
    }

    /// <summary>Keeps the chains' results alive.</summary>
    private static float Sink;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static TVector Chain<TVector, TStep>(TVector x, long calls)
        where TVector : struct
        where TStep : struct, IStep<TVector>
    {
        for (long i = 0; i < calls; i++)
        {
            x = TStep.Next(x);
        }

        return x;
    }

    /// <summary>One link of a dependent chain.</summary>
    private interface IStep<TVector>
        where TVector : struct
    {
        static abstract TVector Next(TVector x);
    }

    private readonly struct FmaStep<TWidth, TVector> : IStep<TVector>
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        public static TVector Next(TVector x) => TWidth.MultiplyAdd(x, TWidth.Create(0.5f), TWidth.Create(0.25f));
    }

    private readonly struct SigmoidStep<TWidth, TVector> : IStep<TVector>
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        public static TVector Next(TVector x) => TWidth.Sigmoid(x);
    }

    private readonly struct TanhStep<TWidth, TVector> : IStep<TVector>
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        public static TVector Next(TVector x) => TWidth.Tanh(x);
    }

    private readonly struct RationalSigmoidStep<TWidth, TVector> : IStep<TVector>
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        public static TVector Next(TVector x) => TWidth.RationalSigmoid(x);
    }

    private readonly struct RationalTanhStep<TWidth, TVector> : IStep<TVector>
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        public static TVector Next(TVector x) => TWidth.RationalTanh(x);
    }

    /// <summary>GFLOP/s of <paramref name="threads"/> threads each running <see cref="Chains"/> independent FMA chains.</summary>
    private static double FmaRate<TWidth, TVector>(int threads)
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        const long iterations = 40_000_000;
        FmaLoop<TWidth, TVector>(1000); // compile and warm up
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
                    FmaLoop<TWidth, TVector>(iterations);
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
            best = Math.Max(best, threads * iterations * Chains * TWidth.Floats * 2.0 / seconds / 1e9);
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float FmaLoop<TWidth, TVector>(long iterations)
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        var b = TWidth.Create(0.999999f);
        var c = TWidth.Create(1e-7f);
        TVector a0 = TWidth.Create(0f), a1 = TWidth.Create(1f), a2 = TWidth.Create(2f), a3 = TWidth.Create(3f);
        TVector a4 = TWidth.Create(4f), a5 = TWidth.Create(5f), a6 = TWidth.Create(6f), a7 = TWidth.Create(7f);
        TVector a8 = TWidth.Create(8f), a9 = TWidth.Create(9f), a10 = TWidth.Create(10f), a11 = TWidth.Create(11f);
        for (long i = 0; i < iterations; i++)
        {
            a0 = TWidth.MultiplyAdd(a0, b, c);
            a1 = TWidth.MultiplyAdd(a1, b, c);
            a2 = TWidth.MultiplyAdd(a2, b, c);
            a3 = TWidth.MultiplyAdd(a3, b, c);
            a4 = TWidth.MultiplyAdd(a4, b, c);
            a5 = TWidth.MultiplyAdd(a5, b, c);
            a6 = TWidth.MultiplyAdd(a6, b, c);
            a7 = TWidth.MultiplyAdd(a7, b, c);
            a8 = TWidth.MultiplyAdd(a8, b, c);
            a9 = TWidth.MultiplyAdd(a9, b, c);
            a10 = TWidth.MultiplyAdd(a10, b, c);
            a11 = TWidth.MultiplyAdd(a11, b, c);
        }

        return TWidth.Sum(TWidth.Add(TWidth.Add(TWidth.Add(TWidth.Add(a0, a1), TWidth.Add(a2, a3)), TWidth.Add(TWidth.Add(a4, a5), TWidth.Add(a6, a7))),
            TWidth.Add(TWidth.Add(a8, a9), TWidth.Add(a10, a11))));
    }

    /// <summary>The best time of one pass that reads a buffer of <paramref name="kilobytes"/> with vector loads, and its rate.</summary>
    private static (double Microseconds, double GigabytesPerSecond) ReadRate<TWidth, TVector>(int kilobytes)
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        using var buffer = new AlignedBuffer(kilobytes * 1024 / sizeof(float));
        var values = buffer.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i % 7) * 1e-3f;
        }

        int passes = Math.Max(1, (int)(2e9 / (kilobytes * 1024.0)));
        double best = double.PositiveInfinity;
        ReadLoop<TWidth, TVector>(ref buffer.Reference, values.Length, 10);
        for (int repeat = 0; repeat < 5; repeat++)
        {
            long t0 = Stopwatch.GetTimestamp();
            ReadLoop<TWidth, TVector>(ref buffer.Reference, values.Length, passes);
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds / passes);
        }

        return (best * 1e6, kilobytes * 1024.0 / best / 1e9);
    }

    /// <summary>Sums the buffer <paramref name="passes"/> times with eight independent accumulators (eight loads in flight).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float ReadLoop<TWidth, TVector>(ref float start, int length, int passes)
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        int w = TWidth.Floats;
        TVector s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int pass = 0; pass < passes; pass++)
        {
            for (int i = 0; i + (8 * w) <= length; i += 8 * w)
            {
                ref float at = ref Unsafe.Add(ref start, i);
                s0 = TWidth.Add(s0, TWidth.Load(ref at, 0));
                s1 = TWidth.Add(s1, TWidth.Load(ref at, (uint)w));
                s2 = TWidth.Add(s2, TWidth.Load(ref at, (uint)(2 * w)));
                s3 = TWidth.Add(s3, TWidth.Load(ref at, (uint)(3 * w)));
                s4 = TWidth.Add(s4, TWidth.Load(ref at, (uint)(4 * w)));
                s5 = TWidth.Add(s5, TWidth.Load(ref at, (uint)(5 * w)));
                s6 = TWidth.Add(s6, TWidth.Load(ref at, (uint)(6 * w)));
                s7 = TWidth.Add(s7, TWidth.Load(ref at, (uint)(7 * w)));
            }
        }

        return TWidth.Sum(TWidth.Add(TWidth.Add(TWidth.Add(s0, s1), TWidth.Add(s2, s3)), TWidth.Add(TWidth.Add(s4, s5), TWidth.Add(s6, s7))));
    }

    /// <summary>Columns per panel of the generated kernels' packed Wᵀ.</summary>
    private const int PackedPanel = 32;

    /// <summary>Rows (K) and columns (N) of the Wᵀ the product measurements read: W_hh of an LSTM with 128 units.</summary>
    private const int ProductRows = 128, ProductColumns = 512;

    /// <summary>
    /// The median time of one row × Wᵀ, Wᵀ stored as panels of <see cref="PackedPanel"/> columns (the
    /// packed layout: eight accumulators read one row from each of several panels, several streams of
    /// addresses) and as panels as wide as the eight accumulators (one stream), and their read rates.
    /// Every accumulator is the same chain of multiply–adds over the rows in order in both.
    /// </summary>
    private static ((double Microseconds, double Rate) Panels, (double Microseconds, double Rate) Contiguous) RowProductRates<TWidth, TVector>()
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        int group = 8 * TWidth.Floats;
        using var weights = new AlignedBuffer(ProductRows * ProductColumns);
        using var x = new AlignedBuffer(ProductRows);
        using var y = new AlignedBuffer(ProductColumns);
        Fill(weights.AsSpan());
        Fill(x.AsSpan());
        int panel = Math.Min(group, PackedPanel);
        double bytes = ProductRows * ProductColumns * sizeof(float);
        double a = MedianMicroseconds(() => RowProduct<TWidth, TVector>(ref weights.Reference, ref x.Reference, ref y.Reference, panel));
        double b = MedianMicroseconds(() => RowProduct<TWidth, TVector>(ref weights.Reference, ref x.Reference, ref y.Reference, group));
        return ((a, bytes / a / 1e3), (b, bytes / b / 1e3));
    }

    /// <summary>y = x·Wᵀ for one row, Wᵀ in panels of <paramref name="panel"/> columns, eight vectors of columns at a time.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RowProduct<TWidth, TVector>(ref float w, ref float x, ref float y, int panel)
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        int v = TWidth.Floats;
        for (int j = 0; j < ProductColumns; j += 8 * v)
        {
            TVector a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            ref float b0 = ref Unsafe.Add(ref w, Column(j, panel));
            ref float b1 = ref Unsafe.Add(ref w, Column(j + v, panel));
            ref float b2 = ref Unsafe.Add(ref w, Column(j + (2 * v), panel));
            ref float b3 = ref Unsafe.Add(ref w, Column(j + (3 * v), panel));
            ref float b4 = ref Unsafe.Add(ref w, Column(j + (4 * v), panel));
            ref float b5 = ref Unsafe.Add(ref w, Column(j + (5 * v), panel));
            ref float b6 = ref Unsafe.Add(ref w, Column(j + (6 * v), panel));
            ref float b7 = ref Unsafe.Add(ref w, Column(j + (7 * v), panel));
            for (int r = 0; r < ProductRows; r++)
            {
                TVector xr = TWidth.Create(Unsafe.Add(ref x, r));
                nuint row = (nuint)(r * panel);
                a0 = TWidth.MultiplyAdd(xr, TWidth.Load(ref b0, row), a0);
                a1 = TWidth.MultiplyAdd(xr, TWidth.Load(ref b1, row), a1);
                a2 = TWidth.MultiplyAdd(xr, TWidth.Load(ref b2, row), a2);
                a3 = TWidth.MultiplyAdd(xr, TWidth.Load(ref b3, row), a3);
                a4 = TWidth.MultiplyAdd(xr, TWidth.Load(ref b4, row), a4);
                a5 = TWidth.MultiplyAdd(xr, TWidth.Load(ref b5, row), a5);
                a6 = TWidth.MultiplyAdd(xr, TWidth.Load(ref b6, row), a6);
                a7 = TWidth.MultiplyAdd(xr, TWidth.Load(ref b7, row), a7);
            }

            TWidth.Store(a0, ref y, (nuint)j);
            TWidth.Store(a1, ref y, (nuint)(j + v));
            TWidth.Store(a2, ref y, (nuint)(j + (2 * v)));
            TWidth.Store(a3, ref y, (nuint)(j + (3 * v)));
            TWidth.Store(a4, ref y, (nuint)(j + (4 * v)));
            TWidth.Store(a5, ref y, (nuint)(j + (5 * v)));
            TWidth.Store(a6, ref y, (nuint)(j + (6 * v)));
            TWidth.Store(a7, ref y, (nuint)(j + (7 * v)));
        }
    }

    /// <summary>
    /// The median time of 32 rows × Wᵀ in register tiles of 4 rows × 2 vectors (each slice of Wᵀ read from
    /// L2 once, then from L1 by the other row blocks), Wᵀ in panels of <see cref="PackedPanel"/> columns and
    /// in panels of eight vectors, and their rates in GFLOP/s.
    /// </summary>
    private static ((double Microseconds, double Rate) Panels, (double Microseconds, double Rate) Wide) TileProductRates<TWidth, TVector>()
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        const int Rows = 32;
        using var weights = new AlignedBuffer(ProductRows * ProductColumns);
        using var x = new AlignedBuffer(Rows * ProductRows);
        using var y = new AlignedBuffer(Rows * ProductColumns);
        Fill(weights.AsSpan());
        Fill(x.AsSpan());
        int panel = Math.Max(2 * TWidth.Floats, PackedPanel);
        double flops = 2.0 * Rows * ProductRows * ProductColumns;
        double a = MedianMicroseconds(() => TileProduct<TWidth, TVector>(ref weights.Reference, ref x.Reference, ref y.Reference, Rows, panel));
        double b = MedianMicroseconds(() => TileProduct<TWidth, TVector>(ref weights.Reference, ref x.Reference, ref y.Reference, Rows, 8 * TWidth.Floats));
        return ((a, flops / a / 1e3), (b, flops / b / 1e3));
    }

    /// <summary>Y = X·Wᵀ for <paramref name="rows"/> rows in tiles of 4 rows × 2 vectors, Wᵀ in panels of <paramref name="panel"/> columns.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void TileProduct<TWidth, TVector>(ref float w, ref float x, ref float y, int rows, int panel)
        where TWidth : struct, IWidth<TVector>
        where TVector : struct
    {
        int v = TWidth.Floats;
        for (int j = 0; j < ProductColumns; j += 2 * v)
        {
            ref float b = ref Unsafe.Add(ref w, Column(j, panel));
            for (int m = 0; m < rows; m += 4)
            {
                ref float x0 = ref Unsafe.Add(ref x, m * ProductRows);
                ref float x1 = ref Unsafe.Add(ref x0, ProductRows);
                ref float x2 = ref Unsafe.Add(ref x0, 2 * ProductRows);
                ref float x3 = ref Unsafe.Add(ref x0, 3 * ProductRows);
                TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
                for (int r = 0; r < ProductRows; r++)
                {
                    TVector w0 = TWidth.Load(ref b, (nuint)(r * panel));
                    TVector w1 = TWidth.Load(ref b, (nuint)((r * panel) + v));
                    TVector s = TWidth.Create(Unsafe.Add(ref x0, r));
                    c00 = TWidth.MultiplyAdd(s, w0, c00);
                    c01 = TWidth.MultiplyAdd(s, w1, c01);
                    s = TWidth.Create(Unsafe.Add(ref x1, r));
                    c10 = TWidth.MultiplyAdd(s, w0, c10);
                    c11 = TWidth.MultiplyAdd(s, w1, c11);
                    s = TWidth.Create(Unsafe.Add(ref x2, r));
                    c20 = TWidth.MultiplyAdd(s, w0, c20);
                    c21 = TWidth.MultiplyAdd(s, w1, c21);
                    s = TWidth.Create(Unsafe.Add(ref x3, r));
                    c30 = TWidth.MultiplyAdd(s, w0, c30);
                    c31 = TWidth.MultiplyAdd(s, w1, c31);
                }

                ref float y0 = ref Unsafe.Add(ref y, (m * ProductColumns) + j);
                TWidth.Store(c00, ref y0, 0);
                TWidth.Store(c01, ref y0, (nuint)v);
                TWidth.Store(c10, ref y0, ProductColumns);
                TWidth.Store(c11, ref y0, (nuint)(ProductColumns + v));
                TWidth.Store(c20, ref y0, 2 * ProductColumns);
                TWidth.Store(c21, ref y0, (nuint)((2 * ProductColumns) + v));
                TWidth.Store(c30, ref y0, 3 * ProductColumns);
                TWidth.Store(c31, ref y0, (nuint)((3 * ProductColumns) + v));
            }
        }
    }

    private static string Streams(int count) => count == 1 ? "1 stream" : $"{count} streams";

    /// <summary>Where column j of Wᵀ starts in panels of <paramref name="panel"/> columns: its panel's base, then j's place in the panel's first row.</summary>
    private static int Column(int j, int panel) => ((j - (j % panel)) * ProductRows) + (j % panel);

    private static void Fill(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ((i % 13) - 6) * 1e-3f;
        }
    }

    /// <summary>The median of nine runs of 0.1 s of <paramref name="run"/>, in microseconds per call, after a warm-up.</summary>
    private static double MedianMicroseconds(Action run)
    {
        for (int i = 0; i < 200; i++)
        {
            run();
        }

        var runs = new double[9];
        for (int r = 0; r < runs.Length; r++)
        {
            long calls = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed.TotalSeconds < 0.1)
            {
                run();
                calls++;
            }

            runs[r] = watch.Elapsed.TotalSeconds * 1e6 / calls;
        }

        Array.Sort(runs);
        return runs[runs.Length / 2];
    }

    /// <summary>The operations the measurements need, for one vector width (a struct, so each width is compiled on its own).</summary>
    private interface IWidth<TVector>
        where TVector : struct
    {
        static abstract int Floats { get; }

        static abstract TVector Create(float value);

        static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

        static abstract TVector Add(TVector a, TVector b);

        static abstract TVector Load(ref float at, nuint offset);

        static abstract void Store(TVector value, ref float at, nuint offset);

        static abstract float Sum(TVector vector);

        static abstract TVector Sigmoid(TVector x);

        static abstract TVector Tanh(TVector x);

        static abstract TVector RationalSigmoid(TVector x);

        static abstract TVector RationalTanh(TVector x);
    }

    private readonly struct Wide512 : IWidth<Vector512<float>>
    {
        public static int Floats => 16;

        public static Vector512<float> Create(float value) => Vector512.Create(value);

        public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Simd.MultiplyAdd(a, b, c);

        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

        public static Vector512<float> Load(ref float at, nuint offset) => Vector512.LoadUnsafe(ref at, offset);

        public static void Store(Vector512<float> value, ref float at, nuint offset) => Vector512.StoreUnsafe(value, ref at, offset);

        public static float Sum(Vector512<float> vector) => Vector512.Sum(vector);

        public static Vector512<float> Sigmoid(Vector512<float> x) => Activations.Sigmoid(x);

        public static Vector512<float> Tanh(Vector512<float> x) => Activations.Tanh(x);

        public static Vector512<float> RationalSigmoid(Vector512<float> x) => Activations.RationalSigmoid(x);

        public static Vector512<float> RationalTanh(Vector512<float> x) => Activations.RationalTanh(x);
    }

    private readonly struct Wide256 : IWidth<Vector256<float>>
    {
        public static int Floats => 8;

        public static Vector256<float> Create(float value) => Vector256.Create(value);

        public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Simd.MultiplyAdd(a, b, c);

        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

        public static Vector256<float> Load(ref float at, nuint offset) => Vector256.LoadUnsafe(ref at, offset);

        public static void Store(Vector256<float> value, ref float at, nuint offset) => Vector256.StoreUnsafe(value, ref at, offset);

        public static float Sum(Vector256<float> vector) => Vector256.Sum(vector);

        public static Vector256<float> Sigmoid(Vector256<float> x) => Activations.Sigmoid(x);

        public static Vector256<float> Tanh(Vector256<float> x) => Activations.Tanh(x);

        public static Vector256<float> RationalSigmoid(Vector256<float> x) => Activations.RationalSigmoid(x);

        public static Vector256<float> RationalTanh(Vector256<float> x) => Activations.RationalTanh(x);
    }

    private readonly struct Wide128 : IWidth<Vector128<float>>
    {
        public static int Floats => 4;

        public static Vector128<float> Create(float value) => Vector128.Create(value);

        public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Simd.MultiplyAdd(a, b, c);

        public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

        public static Vector128<float> Load(ref float at, nuint offset) => Vector128.LoadUnsafe(ref at, offset);

        public static void Store(Vector128<float> value, ref float at, nuint offset) => Vector128.StoreUnsafe(value, ref at, offset);

        public static float Sum(Vector128<float> vector) => Vector128.Sum(vector);

        public static Vector128<float> Sigmoid(Vector128<float> x) => Activations.Sigmoid(x);

        public static Vector128<float> Tanh(Vector128<float> x) => Activations.Tanh(x);

        public static Vector128<float> RationalSigmoid(Vector128<float> x) => Activations.RationalSigmoid(x);

        public static Vector128<float> RationalTanh(Vector128<float> x) => Activations.RationalTanh(x);
    }
}
