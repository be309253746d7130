using System;
using System.Globalization;
using System.IO;

namespace RnnGen
{
    /// <summary>
    /// Shows how a long training run is going: the step, the loss, tokens per second and the time left,
    /// on one line that updates in place when the output is a terminal, and as plain lines at a slow
    /// pace when it is redirected (a CI log stays readable, one line per interval rather than a line per
    /// update).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Call <see cref="Update"/> after every step; it does nothing until the next redraw is due (ten a
    /// second in place, <see cref="PlainInterval"/> otherwise), so it costs a comparison per step and
    /// allocates only when it writes. Write the run's own lines through <see cref="WriteLine"/>, which
    /// clears the live line first and draws it again after, and call <see cref="Complete"/> at the end.
    /// </para>
    /// <para>
    /// The rate and the time left count from the first update: a resumed run's earlier steps are
    /// neither timed nor counted. With a time budget (a run that stops after so many minutes), the time
    /// left is the smaller of the steps' estimate and the budget's remainder.
    /// </para>
    /// </remarks>
    public sealed class TrainingProgress
    {
        private static readonly TimeSpan InPlaceInterval = TimeSpan.FromMilliseconds(100);

        private readonly long _totalSteps;
        private readonly long _tokensPerStep;
        private readonly TextWriter _writer;
        private readonly TimeProvider _time;
        private readonly TimeSpan? _budget;
        private long _start;
        private long _firstStep = -1;
        private long _lastDraw;
        private long _lastStep;
        private double _lastLoss;
        private int _liveLength;
        private TimeSpan _plainInterval = TimeSpan.FromSeconds(30);

        /// <summary>Creates the progress display of a run of <paramref name="totalSteps"/> steps.</summary>
        /// <param name="totalSteps">The run's last step number (steps count from 1).</param>
        /// <param name="tokensPerStep">Tokens (or samples) one step trains on, for the rate; 0 leaves the rate out.</param>
        /// <param name="writer">Where to write; <see langword="null"/> for the console's standard output.</param>
        /// <param name="inPlace">
        /// Whether to update one line in place; <see langword="null"/> for in place exactly when writing to the
        /// console and its output is not redirected.
        /// </param>
        /// <param name="budget">The longest the run may take, when it also stops on time; <see langword="null"/> for none.</param>
        /// <param name="time">The clock; <see langword="null"/> for the system's.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="totalSteps"/> is less than 1 or <paramref name="tokensPerStep"/> is negative.</exception>
        public TrainingProgress(long totalSteps, long tokensPerStep = 0, TextWriter? writer = null, bool? inPlace = null, TimeSpan? budget = null, TimeProvider? time = null)
        {
            if (totalSteps < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "A run has at least one step.");
            }

            if (tokensPerStep < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(tokensPerStep), tokensPerStep, "Tokens per step cannot be negative.");
            }

            _totalSteps = totalSteps;
            _tokensPerStep = tokensPerStep;
            _writer = writer ?? Console.Out;
            InPlace = inPlace ?? (writer is null && !Console.IsOutputRedirected);
            _budget = budget;
            _time = time ?? TimeProvider.System;
        }

        /// <summary>Gets whether the live line is updated in place (a terminal) rather than written as plain lines.</summary>
        public bool InPlace { get; }

        /// <summary>Gets or sets the interval between plain lines when not in place (30 seconds by default; at least one second).</summary>
        public TimeSpan PlainInterval
        {
            get => _plainInterval;
            set => _plainInterval = value >= TimeSpan.FromSeconds(1) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The interval is at least one second.");
        }

        /// <summary>Records that <paramref name="step"/> finished with <paramref name="loss"/>, and redraws when due.</summary>
        /// <param name="step">The step just finished, 1 … the total.</param>
        /// <param name="loss">Its training loss.</param>
        public void Update(long step, double loss)
        {
            long now = _time.GetTimestamp();
            if (_firstStep < 0)
            {
                // The clock starts at the first step seen; that step's own time is not known.
                _firstStep = step;
                _start = now;
                _lastDraw = now;
            }

            _lastStep = step;
            _lastLoss = loss;
            if (_time.GetElapsedTime(_lastDraw, now) < (InPlace ? InPlaceInterval : _plainInterval))
            {
                return;
            }

            _lastDraw = now;
            Draw(now);
        }

        /// <summary>Writes a line of the run's own (a log line), keeping the live line below it.</summary>
        /// <param name="line">The text.</param>
        public void WriteLine(string line)
        {
            Clear();
            _writer.WriteLine(line);
            if (InPlace && _firstStep >= 0)
            {
                Draw(_time.GetTimestamp());
            }
        }

        /// <summary>Clears the live line (in place): the run is over, or about to write something else.</summary>
        public void Complete() => Clear();

        /// <summary>
        /// The status as shown: "step 120/400  loss 1.832  41.2k tokens/s  ETA 0:07" (the rate and the time
        /// left once a step after the first has been timed).
        /// </summary>
        /// <returns>The text of the live line, without any control characters.</returns>
        public string Describe() => Describe(_time.GetTimestamp());

        private string Describe(long now)
        {
            var text = string.Create(CultureInfo.InvariantCulture, $"step {_lastStep}/{_totalSteps}  loss {_lastLoss:F3}");
            long timed = _lastStep - _firstStep;
            TimeSpan elapsed = _time.GetElapsedTime(_start, now);
            if (_firstStep < 0 || timed <= 0 || elapsed <= TimeSpan.Zero)
            {
                return text;
            }

            double stepsPerSecond = timed / elapsed.TotalSeconds;
            if (_tokensPerStep > 0)
            {
                text += "  " + Rate(stepsPerSecond * _tokensPerStep) + " tokens/s";
            }

            double left = (_totalSteps - _lastStep) / stepsPerSecond;
            if (_budget is { } budget)
            {
                left = Math.Min(left, Math.Max(0, (budget - elapsed).TotalSeconds));
            }

            return text + "  ETA " + Duration(left);
        }

        private void Draw(long now)
        {
            string text = Describe(now);
            if (InPlace)
            {
                // Carriage return, the text, and "erase to the end of the line" for a shorter text than the last.
                _writer.Write("\r" + text + "\u001b[K");
                _liveLength = text.Length;
            }
            else
            {
                _writer.WriteLine(text);
            }

            _writer.Flush();
        }

        private void Clear()
        {
            if (InPlace && _liveLength > 0)
            {
                _writer.Write("\r\u001b[K");
                _writer.Flush();
                _liveLength = 0;
            }
        }

        /// <summary>41.2k, 1.31M, 950: three significant figures.</summary>
        internal static string Rate(double perSecond) => perSecond switch
        {
            >= 1e6 => (perSecond / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + "M",
            >= 1e4 => (perSecond / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + "k",
            _ => perSecond.ToString("0", CultureInfo.InvariantCulture),
        };

        /// <summary>0:07, 12:30, 1:02:03 (hours:minutes:seconds, rounded up to the second).</summary>
        internal static string Duration(double seconds)
        {
            long total = double.IsFinite(seconds) ? (long)Math.Ceiling(Math.Max(0, seconds)) : 0;
            long hours = total / 3600, minutes = total / 60 % 60, rest = total % 60;
            return hours > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{hours}:{minutes:00}:{rest:00}")
                : string.Create(CultureInfo.InvariantCulture, $"{minutes}:{rest:00}");
        }
    }
}
