using BenchmarkDotNet.Running;

namespace RnnGen.Benchmarks;

/// <summary>Runs the benchmarks BenchmarkDotNet's command line selects (for example <c>--filter '*Step*'</c>).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
