using System;

namespace RnnGen.Models.Tests;

/// <summary>Measures what a hot path allocates on the GC heap once it is warm.</summary>
internal static class Allocations
{
    /// <summary>
    /// Runs of the warm-up: past tiered compilation's call-counting threshold (30 calls). The runtime's
    /// promotion of a method to optimised code may allocate once on the calling thread, and in a full
    /// test run the counts of a shared model type can reach the threshold during any test.
    /// </summary>
    public const int WarmUpRuns = 40;

    /// <summary>
    /// The bytes the current thread allocates in <paramref name="runs"/> runs of <paramref name="calls"/>,
    /// after <see cref="WarmUpRuns"/> runs of warm-up (which also pack the weights and start workers).
    /// </summary>
    public static long AfterWarmUp(Action calls, int runs = 3)
    {
        for (int i = 0; i < WarmUpRuns; i++)
        {
            calls();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < runs; i++)
        {
            calls();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
