using System;
using System.Threading;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class WorkerTeamTests
    {
        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        public void Run_RunsEveryParticipantOnceOnDistinctThreads(int count)
        {
            using var team = new WorkerTeam(count);
            var calls = new int[count];
            var threads = new int[count];
            for (int repeat = 0; repeat < 20; repeat++)
            {
                team.Run(worker =>
                {
                    Interlocked.Increment(ref calls[worker]);
                    threads[worker] = Environment.CurrentManagedThreadId;
                });
            }

            Assert.All(calls, c => Assert.Equal(20, c));
            Assert.Equal(Environment.CurrentManagedThreadId, threads[0]);
            Assert.Equal(count, new System.Collections.Generic.HashSet<int>(threads).Count);
        }

        [Fact]
        public void Barrier_SeparatesPhases()
        {
            using var team = new WorkerTeam(3);
            var first = new int[3];
            var seen = new int[3];
            for (int repeat = 0; repeat < 50; repeat++)
            {
                team.Run(worker =>
                {
                    Volatile.Write(ref first[worker], repeat + 1);
                    team.Barrier();
                    // After the barrier every participant's first phase is visible.
                    int sum = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        sum += Volatile.Read(ref first[i]) == repeat + 1 ? 1 : 0;
                    }

                    seen[worker] = sum;
                    team.Barrier();
                });
                Assert.All(seen, s => Assert.Equal(3, s));
            }
        }

        [Fact]
        public void ParticipantsThatWaitLongerThanTheSpinTimeStillMeet()
        {
            // One participant arrives at the barrier (and at the end of the run) long after the
            // others have stopped spinning and gone to sleep; the team must still meet, in order.
            using var team = new WorkerTeam(3);
            var phase = new int[3];
            var seen = new int[3];
            int delay = (int)(WorkerTeam.SpinMilliseconds * 20);
            for (int repeat = 0; repeat < 3; repeat++)
            {
                int late = repeat;
                team.Run(worker =>
                {
                    if (worker == late)
                    {
                        Thread.Sleep(delay);
                    }

                    Volatile.Write(ref phase[worker], repeat + 1);
                    team.Barrier();
                    int sum = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        sum += Volatile.Read(ref phase[i]) == repeat + 1 ? 1 : 0;
                    }

                    seen[worker] = sum;
                    if (worker == late)
                    {
                        Thread.Sleep(delay);
                    }
                });
                Assert.All(seen, s => Assert.Equal(3, s));

                // Between runs the workers block; the next run must wake them.
                Thread.Sleep(delay);
            }
        }

        [Fact]
        public void AnExceptionReachesTheCallerAndReleasesTheOthers()
        {
            using var team = new WorkerTeam(2);
            var error = Assert.Throws<AggregateException>(() => team.Run(worker =>
            {
                if (worker == 1)
                {
                    throw new InvalidOperationException("worker failed");
                }

                team.Barrier();
            }));
            Assert.IsType<InvalidOperationException>(error.InnerException);

            // The team is still usable afterwards.
            int total = 0;
            team.Run(worker => Interlocked.Add(ref total, worker + 1));
            Assert.Equal(3, total);
        }

        [Fact]
        public async System.Threading.Tasks.Task BarriersStillSeparatePhasesAfterAFaultLeftParticipantsWaitingAtOne()
        {
            // Not disposed on failure: Dispose would wait for workers stuck at a barrier.
            var team = new WorkerTeam(3);
            Assert.Throws<AggregateException>(() => team.Run(worker =>
            {
                if (worker == 2)
                {
                    throw new InvalidOperationException("worker failed");
                }

                // Participants 0 and 1 arrive here and are released by the fault, not by the barrier.
                team.Barrier();
            }));

            // If their arrivals were still counted, the next barrier would open early for one participant
            // and never for the others: the runs below would then fail or hang, so they run under a deadline.
            var runs = System.Threading.Tasks.Task.Run(() =>
            {
                for (int run = 0; run < 50; run++)
                {
                    var written = new int[3];
                    var seen = new int[3];
                    team.Run(worker =>
                    {
                        if (worker == 2)
                        {
                            Thread.Sleep(1);
                        }

                        Volatile.Write(ref written[worker], run + 1);
                        team.Barrier();
                        seen[worker] = Volatile.Read(ref written[0]) + Volatile.Read(ref written[1]) + Volatile.Read(ref written[2]);
                    });
                    Assert.Equal(new[] { 3 * (run + 1), 3 * (run + 1), 3 * (run + 1) }, seen);
                }
            });
            var deadline = System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(60));
            Assert.True(await System.Threading.Tasks.Task.WhenAny(runs, deadline) == runs, "The runs after the fault did not finish: a barrier never opened.");
            await runs;
            team.Dispose();
        }

        [Fact]
        public void CountIsValidatedAndDisposeIsIdempotent()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerTeam(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerTeam(257));
            var team = new WorkerTeam(2);
            Assert.Equal(2, team.Count);
            team.Dispose();
            team.Dispose();
            Assert.Throws<ObjectDisposedException>(() => team.Run(_ => { }));
            Assert.Throws<ArgumentNullException>(() => new WorkerTeam(1).Run(null!));
        }
    }
}
