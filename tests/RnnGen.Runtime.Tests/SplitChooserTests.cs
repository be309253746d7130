using System;
using System.Collections.Generic;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>
    /// The policy of <see cref="SplitChooser"/>, driven with chosen call times: the warm-up's runs, the
    /// faster kind with a run of the other every <see cref="SplitChooser.ExploreInterval"/> calls, the
    /// first call of a run left untimed, a change in the times followed, a preempted call bounded.
    /// </summary>
    public sealed class SplitChooserTests
    {
        /// <summary>Drives a chooser, remembering the kind of the last call across runs.</summary>
        private sealed class Driver(SplitChooser chooser)
        {
            private bool? _last;

            /// <summary>
            /// Runs <paramref name="calls"/> calls; a call of each kind takes <paramref name="split"/> or
            /// <paramref name="alone"/> ticks, or <paramref name="switchCost"/> more when it is the first of
            /// its run. Returns the kinds the calls took (true: split).
            /// </summary>
            public List<bool> Run(int calls, long split, long alone, long switchCost = 0)
            {
                var kinds = new List<bool>();
                for (int i = 0; i < calls; i++)
                {
                    bool kind = chooser.Split;
                    bool first = _last != kind;
                    kinds.Add(kind);
                    chooser.Record((kind ? split : alone) + (first ? switchCost : 0));
                    _last = kind;
                }

                return kinds;
            }
        }

        /// <summary>How many calls of <paramref name="kind"/> <paramref name="kinds"/> holds, and checks they come in runs of <paramref name="run"/>.</summary>
        private static int CountRuns(List<bool> kinds, bool kind, int run)
        {
            int count = 0;
            for (int i = 0; i < kinds.Count; i++)
            {
                if (kinds[i] != kind)
                {
                    continue;
                }

                count++;
                int length = 1;
                while (i + 1 < kinds.Count && kinds[i + 1] == kind)
                {
                    i++;
                    count++;
                    length++;
                }

                Assert.Equal(run, length);
            }

            return count;
        }

        [Fact]
        public void WarmUp_RunsTwoOfEachKindInTurn_TimingTheSecond()
        {
            var chooser = new SplitChooser();
            Assert.Equal(ThreadSplit.Adaptive, chooser.Mode);
            Assert.True(chooser.Split);
            var kinds = new Driver(chooser).Run(SplitChooser.WarmUpCalls, split: 100, alone: 200, switchCost: 10_000);
            for (int i = 0; i < kinds.Count; i++)
            {
                Assert.Equal(i / 2 % 2 == 0, kinds[i]);
            }

            // Only the second call of each run counted, never the first's switch.
            Assert.Equal(100, chooser.SplitTicks);
            Assert.Equal(200, chooser.AloneTicks);
        }

        [Theory]
        [InlineData(100, 110, true)]
        [InlineData(115, 100, false)]
        public void AfterWarmUp_TheFasterKindRuns_AndTheOtherInARunEachInterval(long split, long alone, bool splitFaster)
        {
            // Within 16% of each other: the shortest interval (2 × 0.15 / 0.02 = 15 calls is below it).
            var chooser = new SplitChooser();
            var driver = new Driver(chooser);
            driver.Run(SplitChooser.WarmUpCalls, split, alone);
            var kinds = driver.Run(4 * (SplitChooser.ExploreInterval + SplitChooser.ExploreCalls), split, alone);
            Assert.Equal(splitFaster, kinds[0]);
            Assert.Equal(4 * SplitChooser.ExploreCalls, CountRuns(kinds, !splitFaster, SplitChooser.ExploreCalls));
        }

        [Fact]
        public void AMuchSlowerKind_IsExploredLessOften_AtAboutTheStatedCost()
        {
            // Split 10 times slower (a process on one core): a run of 2 split calls costs 2 × 900 more than
            // alone calls, so they come every 2 × 9 / 0.02 = 900 calls (901 with the run itself).
            var chooser = new SplitChooser();
            var driver = new Driver(chooser);
            driver.Run(SplitChooser.WarmUpCalls, split: 1000, alone: 100);
            var kinds = driver.Run(9010, split: 1000, alone: 100);
            int explored = CountRuns(kinds, kind: true, SplitChooser.ExploreCalls);
            Assert.Equal(10 * SplitChooser.ExploreCalls, explored);
            double extra = explored * 900.0 / (kinds.Count * 100.0);
            Assert.InRange(extra, 0.015, SplitChooser.ExploreCost + 0.001);
        }

        [Fact]
        public void TheSwitchCost_IsNotCounted()
        {
            // A split run is faster once the team is awake (100 against 160), but its first call wakes the
            // team (+ 2,000): the chooser keeps choosing split, the cold calls untimed.
            var chooser = new SplitChooser();
            var driver = new Driver(chooser);
            driver.Run(SplitChooser.WarmUpCalls, split: 100, alone: 160, switchCost: 2_000);
            var kinds = driver.Run(256, split: 100, alone: 160, switchCost: 2_000);
            Assert.Equal(100, chooser.SplitTicks);
            Assert.Equal(160, chooser.AloneTicks);
            Assert.True(kinds.FindAll(k => k).Count > kinds.Count * 9 / 10);
        }

        [Fact]
        public void WhenTheSplitCallsSlowDown_TheChoiceFollows_AndReturns()
        {
            var chooser = new SplitChooser();
            var driver = new Driver(chooser);
            driver.Run(SplitChooser.WarmUpCalls + 10, split: 100, alone: 160);
            Assert.True(chooser.Split);

            // The second core turns slow: split calls take 400 ticks, each counted as twice the average. The
            // split average goes 100 → 125 → 156.25 → 195.3125, past alone's 160 after the third.
            var slow = driver.Run(8, split: 400, alone: 160);
            Assert.True(slow.GetRange(0, 3).TrueForAll(k => k));
            Assert.True(slow.GetRange(3, 5).TrueForAll(k => !k), "alone was not chosen after three slow split calls");
            Assert.Equal(195.3125, chooser.SplitTicks);

            // It recovers: the explored split runs time 100 again (195.3 → 171.5 → 153.6, below 160), and
            // split runs from then on but for the explorations of alone.
            // Split 1.6 times faster: runs of alone every 2 × 0.6 / 0.02 = 60 calls (61 rounded up), two or
            // three of them in the last 128 calls.
            var recovered = driver.Run(256, split: 100, alone: 160);
            var last = recovered.GetRange(recovered.Count - 128, 128);
            Assert.InRange(CountRuns(last, kind: false, SplitChooser.ExploreCalls), 2 * SplitChooser.ExploreCalls, 3 * SplitChooser.ExploreCalls);
            Assert.True(chooser.SplitTicks < 101);
        }

        [Fact]
        public void APreemptedCall_CountsAsTwiceTheAverage_AndDoesNotFlipTheChoice()
        {
            var chooser = new SplitChooser();
            var driver = new Driver(chooser);
            driver.Run(SplitChooser.WarmUpCalls + 4, split: 100, alone: 160);
            Assert.True(chooser.Split);

            // 100,000 ticks count as 2 × 100: the split average rises to 100 + (200 − 100) / 4 = 125.
            driver.Run(1, split: 100_000, alone: 160);
            Assert.Equal(125, chooser.SplitTicks);
            Assert.True(chooser.Split);
        }

        [Fact]
        public void Always_SplitsEveryCall_AndTimesNothing()
        {
            var chooser = new SplitChooser { Mode = ThreadSplit.Always };
            var kinds = new Driver(chooser).Run(100, split: 1000, alone: 1);
            Assert.True(kinds.TrueForAll(k => k));
            Assert.True(double.IsNaN(chooser.SplitTicks));
            Assert.True(double.IsNaN(chooser.AloneTicks));

            // Back to Adaptive: the warm-up starts, split first.
            chooser.Mode = ThreadSplit.Adaptive;
            Assert.True(chooser.Split);
            var warmUp = new Driver(chooser).Run(SplitChooser.WarmUpCalls, split: 1000, alone: 1);
            Assert.Equal(new[] { true, true, false, false, true, true, false, false }, warmUp);
        }

        [Fact]
        public void Mode_RejectsValuesOutsideTheEnum()
        {
            var chooser = new SplitChooser();
            Assert.Throws<ArgumentOutOfRangeException>(() => chooser.Mode = (ThreadSplit)2);
            Assert.Equal(ThreadSplit.Adaptive, chooser.Mode);
        }
    }
}
