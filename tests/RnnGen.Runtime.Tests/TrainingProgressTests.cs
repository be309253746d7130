using System;
using System.IO;
using System.Linq;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>
    /// TrainingProgress on a clock the test moves: what the line says (rate, time left, a time budget),
    /// how often it is drawn, and what it writes in place (carriage returns and an erase) and redirected
    /// (plain lines only).
    /// </summary>
    public class TrainingProgressTests
    {
        [Fact]
        public void Describe_GivesTheRateAndTheTimeLeft_FromTheStepsTimed()
        {
            var clock = new ManualClock();
            var progress = new TrainingProgress(100, tokensPerStep: 2048, new StringWriter(), inPlace: false, time: clock);
            Assert.Equal("step 0/100  loss 0.000", progress.Describe());

            // A resumed run: the first update (step 31) starts the clock; 10 more steps take 5 s.
            progress.Update(31, 2.5);
            Assert.Equal("step 31/100  loss 2.500", progress.Describe());
            for (int step = 32; step <= 41; step++)
            {
                clock.Advance(TimeSpan.FromSeconds(0.5));
                progress.Update(step, 1.8766);
            }

            // 2 steps/s: 4,096 tokens/s, and 59 steps left take 29.5 s, shown rounded up.
            Assert.Equal("step 41/100  loss 1.877  4096 tokens/s  ETA 0:30", progress.Describe());
        }

        [Fact]
        public void Describe_StopsTheTimeLeftAtTheBudget()
        {
            var clock = new ManualClock();
            var progress = new TrainingProgress(1000, tokensPerStep: 0, new StringWriter(), inPlace: false, budget: TimeSpan.FromSeconds(40), time: clock);
            progress.Update(1, 1);
            clock.Advance(TimeSpan.FromSeconds(10));
            progress.Update(11, 1);

            // 1 step/s would leave 989 s; the budget leaves 30. No rate without tokens per step.
            Assert.Equal("step 11/1000  loss 1.000  ETA 0:30", progress.Describe());
        }

        [Fact]
        public void Redirected_WritesPlainLinesAtTheInterval_AndTheRunsOwnLines()
        {
            var clock = new ManualClock();
            var output = new StringWriter();
            var progress = new TrainingProgress(200, tokensPerStep: 100, output, inPlace: false, time: clock) { PlainInterval = TimeSpan.FromSeconds(30) };
            for (int step = 1; step <= 100; step++)
            {
                progress.Update(step, 1.0);
                clock.Advance(TimeSpan.FromSeconds(1));
                if (step == 50)
                {
                    progress.WriteLine("    50   1.0000");
                }
            }

            progress.Complete();
            string text = output.ToString();
            Assert.DoesNotContain('\r', text);
            Assert.DoesNotContain('\u001b', text);
            string[] lines = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

            // Updates at 0, 1, … 99 s: drawn at 30, 60 and 90 s (steps 31, 61, 91; one step a second), and the run's own line.
            Assert.Equal(
                ["step 31/200  loss 1.000  100 tokens/s  ETA 2:49", "    50   1.0000", "step 61/200  loss 1.000  100 tokens/s  ETA 2:19", "step 91/200  loss 1.000  100 tokens/s  ETA 1:49"],
                lines);
        }

        [Fact]
        public void InPlace_RedrawsOneLine_TenTimesASecond_AndClearsItAroundTheRunsLines()
        {
            var clock = new ManualClock();
            var output = new StringWriter();
            var progress = new TrainingProgress(1000, tokensPerStep: 10, output, inPlace: true, time: clock);
            Assert.True(progress.InPlace);
            for (int step = 1; step <= 20; step++)
            {
                progress.Update(step, 0.5);
                clock.Advance(TimeSpan.FromMilliseconds(25));
            }

            // Updates every 25 ms from 0 to 475 ms: drawn at 100, 200, 300 and 400 ms.
            string text = output.ToString();
            Assert.Equal(4, text.Count(c => c == '\r'));
            Assert.DoesNotContain('\n', text);
            Assert.EndsWith("\rstep 17/1000  loss 0.500  400 tokens/s  ETA 0:25\u001b[K", text);

            // A line of the run's own: the live line is erased, the line written, the live line drawn again below it.
            output.GetStringBuilder().Clear();
            progress.WriteLine("   100   0.5000");
            Assert.Equal("\r\u001b[K   100   0.5000" + Environment.NewLine + "\rstep 20/1000  loss 0.500  380 tokens/s  ETA 0:26\u001b[K", output.ToString());

            output.GetStringBuilder().Clear();
            progress.Complete();
            Assert.Equal("\r\u001b[K", output.ToString());
            output.GetStringBuilder().Clear();
            progress.Complete();
            Assert.Equal(string.Empty, output.ToString());
        }

        [Theory]
        [InlineData(0, "0:00")]
        [InlineData(0.2, "0:01")]
        [InlineData(59, "0:59")]
        [InlineData(61, "1:01")]
        [InlineData(3599.5, "1:00:00")]
        [InlineData(3723, "1:02:03")]
        [InlineData(double.PositiveInfinity, "0:00")]
        public void Duration_IsHoursMinutesSeconds_RoundedUp(double seconds, string expected) =>
            Assert.Equal(expected, TrainingProgress.Duration(seconds));

        [Theory]
        [InlineData(950, "950")]
        [InlineData(9_999, "9999")]
        [InlineData(41_234, "41.2k")]
        [InlineData(1_314_000, "1.31M")]
        public void Rate_HasThreeOrFourFigures(double perSecond, string expected) =>
            Assert.Equal(expected, TrainingProgress.Rate(perSecond));

        [Fact]
        public void InvalidArguments_AreRefused()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingProgress(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingProgress(10, tokensPerStep: -1));
            var progress = new TrainingProgress(10, writer: new StringWriter());
            Assert.False(progress.InPlace);
            Assert.Throws<ArgumentOutOfRangeException>(() => progress.PlainInterval = TimeSpan.FromMilliseconds(500));
        }

        /// <summary>A clock that moves only when told to.</summary>
        private sealed class ManualClock : TimeProvider
        {
            private long _ticks = 1_000_000;

            public override long TimestampFrequency => TimeSpan.TicksPerSecond;

            public override long GetTimestamp() => _ticks;

            public void Advance(TimeSpan by) => _ticks += by.Ticks;
        }
    }
}
