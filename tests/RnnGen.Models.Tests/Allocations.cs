using System;

namespace RnnGen.Models.Tests;

/// <summary>Measures what a hot path allocates on the GC heap once it is warm.</summary>
internal static class Allocations
{
    /// <summary>Runs of the warm-up, past tiered compilation's call-counting threshold (30 calls).</summary>
    public const int WarmUpRuns = 40;

    /// <summary>Blocks of measured runs; the result is the least any of them allocated.</summary>
    public const int Blocks = 5;

    /// <summary>
    /// The bytes the current thread allocates in <paramref name="runs"/> runs of <paramref name="calls"/>
    /// after <see cref="WarmUpRuns"/> runs of warm-up (which also pack the weights and start workers):
    /// the least over <see cref="Blocks"/> blocks of such runs.
    /// </summary>
    /// <remarks>
    /// The runtime itself allocates a few kilobytes on the calling thread, once, when it promotes a
    /// method to optimised code. In a full test run that promotion can come late, during the measured
    /// runs, because the runtime counts calls only once no new method has been compiled for 100 ms
    /// (measured: 3–8 KB in 3 of 8 full runs of this suite with a single block; never with tiered
    /// compilation switched off). An allocation made by the code under test recurs in every block, so
    /// the least over several blocks still catches it.
    /// </remarks>
    public static long AfterWarmUp(Action calls, int runs = 3)
    {
        for (int i = 0; i < WarmUpRuns; i++)
        {
            calls();
        }

        long least = long.MaxValue;
        for (int block = 0; block < Blocks; block++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < runs; i++)
            {
                calls();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
