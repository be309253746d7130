using System;
using System.Diagnostics;
using System.Threading;

namespace RnnGen
{
    /// <summary>
    /// A fixed team of threads that run one body together, SPMD style: participant 0 is the calling
    /// thread, participants 1 … <see cref="Count"/> − 1 are background threads the team owns. Inside
    /// the body, <see cref="Barrier"/> waits until every participant has reached it.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Generated models use a team to split a training step between cores: each participant takes
    /// its share of the rows of every product, and barriers separate the phases whose inputs another
    /// participant writes. Running a body allocates nothing, so a step stays allocation-free.
    /// </para>
    /// <para>
    /// A participant that waits (at a barrier, for the next run, or for the others to finish) first
    /// spins, then yields its core between checks for up to <see cref="SpinMilliseconds"/>, and only
    /// then sleeps or blocks, so an idle team costs no CPU time. The phases of a training step are
    /// microseconds to milliseconds apart: a participant that slept at every barrier would lose a
    /// millisecond each time (the resolution of <see cref="Thread.Sleep(int)"/>), and one woken from
    /// a blocked wait would start tens of microseconds late. A team is used by one caller at a time. If a participant throws, the others are released from their
    /// barriers with an exception too, and <see cref="Run"/> rethrows the first exception once every
    /// participant has stopped.
    /// </para>
    /// </remarks>
    public sealed class WorkerTeam : IDisposable
    {
        /// <summary>How long a waiting participant keeps its core (spinning and yielding) before it sleeps or blocks.</summary>
        public const double SpinMilliseconds = 1;

        private static readonly long SpinTicks = (long)(Stopwatch.Frequency * SpinMilliseconds / 1000);

        /// <summary>How long a waiting participant polls without yielding its core: 5 µs.</summary>
        private static readonly long PollTicks = Stopwatch.Frequency / 200_000;

        private readonly Thread[] _threads;
        private readonly object _gate = new object();
        private Action<int>? _body;

        // Each counter that one thread writes while another spins on it has a cache line to itself:
        // otherwise every write would also evict the line another counter is being polled from.
        // The barrier's two counters share one: the last participant to arrive writes both.
        private PaddedInt32 _running;
        private PaddedCounters _barrier;
        private PaddedInt32 _started;
        private PaddedInt32 _blocked;
        private volatile bool _faulted;
        private volatile bool _disposed;
        private Exception? _error;

        /// <summary>Creates a team of <paramref name="count"/> participants: the caller and <paramref name="count"/> − 1 background threads.</summary>
        /// <param name="count">The number of participants, 1 to 256.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is outside 1 … 256.</exception>
        public WorkerTeam(int count)
        {
            if (count < 1 || count > 256)
            {
                throw new ArgumentOutOfRangeException(nameof(count), count, "A team has 1 to 256 participants.");
            }

            Count = count;
            _threads = new Thread[count - 1];
            for (int i = 0; i < _threads.Length; i++)
            {
                int participant = i + 1;
                _threads[i] = new Thread(() => WorkerLoop(participant))
                {
                    IsBackground = true,
                    Name = "RnnGen worker " + participant,
                };
                _threads[i].Start();
            }
        }

        /// <summary>Gets the number of participants, including the calling thread.</summary>
        public int Count { get; }

        /// <summary>
        /// Runs <paramref name="body"/> on every participant, passing its index (0 on the calling
        /// thread), and returns when all of them have finished.
        /// </summary>
        /// <param name="body">The work; it receives the participant index.</param>
        /// <exception cref="ArgumentNullException"><paramref name="body"/> is <see langword="null"/>.</exception>
        /// <exception cref="ObjectDisposedException">The team has been disposed.</exception>
        /// <exception cref="AggregateException">A participant threw; the inner exception is the first one.</exception>
        public void Run(Action<int> body)
        {
            ArgumentNullException.ThrowIfNull(body);
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(WorkerTeam));
            }

            if (Count == 1)
            {
                body(0);
                return;
            }

            // Running the same body again writes nothing the workers read but the two counters: each
            // write to a line a worker reads costs a transfer between cores, which matters when a run
            // lasts a few microseconds. The body stays referenced until another replaces it.
            if (!ReferenceEquals(_body, body))
            {
                _body = body;
            }

            Volatile.Write(ref _running.Value, Count - 1);
            Start();

            Execute(0);
            var wait = new Waiting();
            while (Volatile.Read(ref _running.Value) != 0)
            {
                wait.Pause();
            }

            if (_faulted)
            {
                // Participants released from a barrier by the fault left the barrier's count behind.
                var error = _error!;
                _error = null;
                _faulted = false;
                _barrier.Arrived = 0;
                throw new AggregateException("A participant of the worker team threw.", error);
            }
        }

        /// <summary>
        /// Waits until every participant of the running body has called <see cref="Barrier"/> as
        /// many times as this one. Call it only from inside a body passed to <see cref="Run"/>, the
        /// same number of times on every participant.
        /// </summary>
        /// <exception cref="OperationCanceledException">Another participant threw.</exception>
        public void Barrier()
        {
            if (Count == 1)
            {
                return;
            }

            int generation = Volatile.Read(ref _barrier.Generation);
            if (Interlocked.Increment(ref _barrier.Arrived) == Count)
            {
                Volatile.Write(ref _barrier.Arrived, 0);
                Interlocked.Increment(ref _barrier.Generation);
                return;
            }

            var wait = new Waiting();
            while (Volatile.Read(ref _barrier.Generation) == generation)
            {
                if (_faulted)
                {
                    throw new OperationCanceledException("Another participant of the worker team threw.");
                }

                wait.Pause();
            }
        }

        /// <summary>Stops the background threads. Calling it more than once has no further effect.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _body = null;
            Start();
            for (int i = 0; i < _threads.Length; i++)
            {
                _threads[i].Join();
            }
        }

        /// <summary>
        /// Advances the start counter the workers wait on, and wakes the workers that are blocked.
        /// A worker that is still spinning sees the new count without the lock.
        /// </summary>
        private void Start()
        {
            // The increment is a full fence, and a worker counts itself in _blocked (also with a full
            // fence) before it checks the start counter a last time and blocks: so either this thread
            // sees that worker counted, or that worker sees the new start count. No wake-up is lost.
            Interlocked.Increment(ref _started.Value);
            if (Volatile.Read(ref _blocked.Value) != 0)
            {
                lock (_gate)
                {
                    Monitor.PulseAll(_gate);
                }
            }
        }

        private void WorkerLoop(int participant)
        {
            int seen = 0;
            while (true)
            {
                // Keep the core for a while (a training step starts the team several times in quick
                // succession, with a little serial work between; a streaming step may start it every
                // few microseconds), then block until the next start.
                var wait = new Waiting();
                while (Volatile.Read(ref _started.Value) == seen && !wait.WillSleep)
                {
                    wait.Pause();
                }

                if (Volatile.Read(ref _started.Value) == seen)
                {
                    lock (_gate)
                    {
                        Interlocked.Increment(ref _blocked.Value);
                        while (Volatile.Read(ref _started.Value) == seen)
                        {
                            Monitor.Wait(_gate);
                        }

                        Interlocked.Decrement(ref _blocked.Value);
                    }
                }

                seen = Volatile.Read(ref _started.Value);
                if (_disposed)
                {
                    return;
                }

                Execute(participant);
                Interlocked.Decrement(ref _running.Value);
            }
        }

        private void Execute(int participant)
        {
            try
            {
                _body!(participant);
            }
            catch (Exception exception)
            {
                lock (_gate)
                {
                    if (!_faulted)
                    {
                        _error = exception;
                        _faulted = true;
                    }
                }
            }
        }

        /// <summary>
        /// The waiting policy: a tight poll (one processor pause per check) for the first
        /// <see cref="PollTicks"/>, so that a partner arriving a microsecond later is seen within
        /// nanoseconds; then yields of the core (never a sleep), each followed by one check, until
        /// <see cref="SpinTicks"/> have passed; then <see cref="SpinWait"/>'s own policy, which sleeps a
        /// millisecond at a time.
        /// </summary>
        /// <remarks>
        /// <see cref="SpinWait"/> alone backs off exponentially: after a microsecond of waiting it checks
        /// only every microsecond or so, which would double the cost of a step split between threads.
        /// The poll is kept short because a waiter that does not yield can hold up its partner: when both
        /// share one core (a busy machine, or a process limited to one core), the partner runs only once
        /// the waiter yields.
        /// </remarks>
        private struct Waiting
        {
            private SpinWait _spin;
            private long _since;

            /// <summary>Gets whether the next <see cref="Pause"/> may sleep: the spinning time is used up.</summary>
            public readonly bool WillSleep => _since != 0 && Stopwatch.GetTimestamp() - _since >= SpinTicks;

            /// <summary>Waits a little, according to how long this wait has lasted.</summary>
            public void Pause()
            {
                long now = Stopwatch.GetTimestamp();
                if (_since == 0)
                {
                    _since = now;
                }

                long waited = now - _since;
                if (waited < PollTicks)
                {
                    Thread.SpinWait(1);
                }
                else if (waited < SpinTicks)
                {
                    Thread.Yield();
                }
                else
                {
                    _spin.SpinOnce();
                }
            }
        }

        /// <summary>An <see cref="int"/> alone on its 64-byte cache line (and the adjacent-line prefetch's pair).</summary>
        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 256)]
        private struct PaddedInt32
        {
            [System.Runtime.InteropServices.FieldOffset(128)]
            public int Value;
        }

        /// <summary>The barrier's arrival count and generation, together alone on their cache line.</summary>
        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 256)]
        private struct PaddedCounters
        {
            [System.Runtime.InteropServices.FieldOffset(128)]
            public int Arrived;

            [System.Runtime.InteropServices.FieldOffset(132)]
            public int Generation;
        }
    }
}
