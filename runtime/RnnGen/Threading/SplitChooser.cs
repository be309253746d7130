using System;
using System.Diagnostics;

namespace RnnGen
{
    /// <summary>How a model with more than one thread runs the batch-1 work it can split by hidden units.</summary>
    public enum ThreadSplit
    {
        /// <summary>
        /// Each call runs split between the threads or on the calling thread alone, whichever the
        /// recent calls found faster (see <see cref="SplitChooser"/>). The default.
        /// </summary>
        Adaptive,

        /// <summary>Every call runs split between the threads.</summary>
        Always,
    }

    /// <summary>
    /// Chooses, call by call, whether a model's batch-1 work that it can split between its team's threads
    /// (a single stream's Step, or Forward at batch size 1) runs on the team or on the calling thread
    /// alone. It chooses by the times the recent calls of each kind took. Both kinds give the same bits,
    /// so the choice changes the time only.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A split call pays for meeting the other threads at every layer or time step. Whether that pays
    /// depends on the machine: how long one core takes to see another's write, and whether the other
    /// cores are free. On a host that runs the second vCPU slowly for stretches of time, a split call
    /// can take longer than a call on one thread.
    /// </para>
    /// <para>
    /// The calls run in runs of one kind. The first call of a run is not timed: it pays for the switch
    /// (waking the team's threads, which block after a millisecond without work, or moving the data
    /// between the cores' caches), which a steady run of that kind does not. The first
    /// <see cref="WarmUpCalls"/> calls are runs of two of each kind in turn, split first. Then each call
    /// takes the kind whose smoothed time is lower, except that now and then a run of
    /// <see cref="ExploreCalls"/> takes the other kind, so that a change in either is noticed: every
    /// <see cref="ExploreInterval"/> calls while the two are close, less often when the other is much
    /// slower, so that these runs cost about <see cref="ExploreCost"/> of the time (at most every
    /// <see cref="MaxExploreInterval"/> calls).
    /// </para>
    /// <para>
    /// Each kind's time is an exponential moving average, the newest call weighing 1/4. A call that took
    /// more than twice the average, such as one the operating system preempted, counts as twice the
    /// average: one such call moves the average by a quarter at most, and it takes three calls at four
    /// times the average (a second core that turned slow) to move it past a kind 1.9 times slower.
    /// </para>
    /// <para>
    /// A chooser belongs to one model and is used by one caller at a time, as the model is. It
    /// allocates nothing.
    /// </para>
    /// </remarks>
    public sealed class SplitChooser
    {
        /// <summary>The calls at the start that time both kinds: runs of two of each, in turn.</summary>
        public const int WarmUpCalls = 8;

        /// <summary>The fewest calls between two runs of the kind that was slower.</summary>
        public const int ExploreInterval = 16;

        /// <summary>The most calls between two runs of the kind that was slower.</summary>
        public const int MaxExploreInterval = 4096;

        /// <summary>The share of the time the runs of the slower kind may cost, when that sets their interval.</summary>
        public const double ExploreCost = 0.02;

        /// <summary>The calls of a run of the slower kind: one to switch, one timed.</summary>
        public const int ExploreCalls = 2;

        /// <summary>The weight of the newest call in each kind's moving average.</summary>
        private const double Smoothing = 0.25;

        /// <summary>The most a single call counts for, as a multiple of its kind's average.</summary>
        private const double OutlierFactor = 2;

        private double _split = double.NaN;
        private double _alone = double.NaN;
        private int _calls;
        private bool _previous;
        private int _exploring;
        private int _sinceExplore;
        private ThreadSplit _mode;

        /// <summary>Gets or sets the policy; <see cref="ThreadSplit.Always"/> makes every call split.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is not a <see cref="ThreadSplit"/>.</exception>
        public ThreadSplit Mode
        {
            get => _mode;
            set
            {
                if (value is not (ThreadSplit.Adaptive or ThreadSplit.Always))
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, "Mode must be ThreadSplit.Adaptive or ThreadSplit.Always.");
                }

                _mode = value;
                if (value == ThreadSplit.Always)
                {
                    Split = true;
                }
            }
        }

        /// <summary>Gets whether the next call runs split between the threads (true) or on the calling thread alone.</summary>
        public bool Split { get; private set; } = true;

        /// <summary>Gets the moving average of the split calls' times, in <see cref="Stopwatch"/> ticks (NaN before the first).</summary>
        public double SplitTicks => _split;

        /// <summary>Gets the moving average of the calls' times on the calling thread alone, in <see cref="Stopwatch"/> ticks (NaN before the first).</summary>
        public double AloneTicks => _alone;

        /// <summary>The current <see cref="Stopwatch"/> timestamp, for the start of a call.</summary>
        public static long Now() => Stopwatch.GetTimestamp();

        /// <summary>
        /// Records how long the call that just ran took, in the kind <see cref="Split"/> gave for it, and
        /// chooses the kind of the next call.
        /// </summary>
        /// <param name="ticks">The call's time in <see cref="Stopwatch"/> ticks.</param>
        public void Record(long ticks)
        {
            if (_mode == ThreadSplit.Always)
            {
                return;
            }

            // The first call of a run pays for the switch: it is not timed.
            bool kind = Split;
            if (_calls > 0 && kind == _previous)
            {
                double time = Math.Max(ticks, 0);
                if (kind)
                {
                    _split = Average(_split, time);
                }
                else
                {
                    _alone = Average(_alone, time);
                }
            }

            _previous = kind;
            if (_calls < WarmUpCalls)
            {
                // Split, split, alone, alone, split, split, … then the choice below.
                _calls++;
                if (_calls < WarmUpCalls)
                {
                    Split = _calls / 2 % 2 == 0;
                    return;
                }
            }
            else if (_exploring > 0)
            {
                _exploring--;
                return;
            }

            bool splitFaster = _split <= _alone;
            if (++_sinceExplore >= Interval())
            {
                _sinceExplore = 0;
                _exploring = ExploreCalls - 1;
                Split = !splitFaster;
            }
            else
            {
                Split = splitFaster;
            }
        }

        /// <summary>
        /// The calls between two runs of the slower kind: enough that a run, ExploreCalls × (slower −
        /// faster) more than as many calls of the faster kind, costs ExploreCost of the time.
        /// </summary>
        private int Interval()
        {
            double faster = Math.Max(Math.Min(_split, _alone), 1);
            double slower = Math.Max(_split, _alone);
            double calls = Math.Ceiling(ExploreCalls * ((slower / faster) - 1) / ExploreCost);
            return (int)Math.Clamp(calls, ExploreInterval, MaxExploreInterval);
        }

        /// <summary>The moving average after one more call of <paramref name="time"/>.</summary>
        private static double Average(double average, double time)
        {
            if (double.IsNaN(average))
            {
                return time;
            }

            return average + ((Math.Min(time, OutlierFactor * Math.Max(average, 1)) - average) * Smoothing);
        }
    }
}
