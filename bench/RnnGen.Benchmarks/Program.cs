using BenchmarkDotNet.Running;

namespace RnnGen.Benchmarks;

/// <summary>
/// Runs the benchmarks BenchmarkDotNet's command line selects (for example <c>--filter '*Step*'</c>),
/// or, with <c>table</c> as the first argument, the quick median table of <see cref="Table"/>, or with
/// <c>limits</c>, the machine's measured FMA peak and read rates (<see cref="Limits"/>), or with
/// <c>first-steps</c>, how fast a fresh model steps while it is being compiled (<see cref="FirstSteps"/>), or
/// with <c>split</c>, batch-1 work on one thread against two, in interleaved blocks (<see cref="SplitChoice"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "table")
        {
            return Table.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "limits")
        {
            return Limits.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "first-steps")
        {
            return FirstSteps.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == "split")
        {
            return SplitChoice.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
