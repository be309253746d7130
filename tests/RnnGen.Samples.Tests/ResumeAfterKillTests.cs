using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Samples.Tests;

/// <summary>
/// The samples' training loops killed (SIGKILL) at random moments and restarted with the same
/// command until they finish end exactly where a run that was never interrupted ends: the same
/// bytes in the final checkpoint (parameters, Adam's moments and counters, generator states and
/// positions) and in the saved weights.
/// </summary>
public sealed class ResumeAfterKillTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-kill-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void CharRnn_KilledAtRandomPoints_ResumesToTheUninterruptedRun()
    {
        string[] Arguments(string directory) =>
        [
            "--steps", "48", "--log-every", "16", "--threads", "1", "--checkpoint", directory, "--checkpoint-every", "3",
            "--length", "0", "--out", Path.Combine(directory, "charrnn.safetensors"),
        ];

        RunKilledAndStraight("CharRnn", Arguments, "charrnn.checkpoint.safetensors", "charrnn.safetensors", seed: 11);
    }

    [Fact]
    public void Seq2Seq_KilledAtRandomPoints_ResumesToTheUninterruptedRun()
    {
        // 1,300 words of the shipped dictionary: 1,100 to train on (18 batches an epoch), 100 watched, 100 tested.
        string data = SampleProcess.DictionaryLines(Path.Combine(_directory, "words.txt"), 1400);

        string[] Arguments(string directory) =>
        [
            "--data", data, "--epochs", "2", "--threads", "1", "--test", "100", "--watch", "100", "--beam", "2",
            "--checkpoint", directory, "--checkpoint-every", "3", "--save", directory,
        ];

        RunKilledAndStraight("Seq2Seq", Arguments, "seq2seq.checkpoint.safetensors", "decoder.safetensors", seed: 12);
    }

    private void RunKilledAndStraight(string sample, Func<string, string[]> arguments, string checkpoint, string weights, int seed)
    {
        string straight = Directory.CreateDirectory(Path.Combine(_directory, "straight")).FullName;
        string killed = Directory.CreateDirectory(Path.Combine(_directory, "killed")).FullName;

        var watch = Stopwatch.StartNew();
        Assert.Equal(0, Run(sample, arguments(straight), killAfter: null));
        double seconds = watch.Elapsed.TotalSeconds;

        // Kill points spread over the run (startup, training, checkpoint writes, evaluation): each
        // restart resumes from the last checkpoint and is killed again, until four kills landed. A
        // restart can finish before its kill lands: the restarts resume part-way, and they can run faster
        // than the uninterrupted run, which ran beside the other test projects. Then the killed run
        // starts over from nothing, its kill points drawn from half the range.
        var random = new Random(seed);
        double range = seconds * 0.3;
        int kills = 0, runs = 0, attempts = 1;
        while (true)
        {
            runs++;
            Assert.True(runs < 40, "the run never finished");
            TimeSpan? killAfter = kills < 4 ? TimeSpan.FromSeconds(0.25 + (random.NextDouble() * range)) : null;
            int exit = Run(sample, arguments(killed), killAfter);
            if (exit == 0)
            {
                if (kills >= 4)
                {
                    break;
                }

                output.WriteLine($"{sample}: attempt {attempts} finished after {kills} kills; starting over with kills within {range / 2:F1} s.");
                Directory.Delete(killed, recursive: true);
                Directory.CreateDirectory(killed);
                kills = 0;
                range /= 2;
                attempts++;
                continue;
            }

            Assert.Equal(-1, exit);
            kills++;
        }

        output.WriteLine($"{sample}: uninterrupted run {seconds:F1} s; {kills} kills, {runs} runs in {attempts} attempts.");
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, checkpoint)), File.ReadAllBytes(Path.Combine(killed, checkpoint)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, weights)), File.ReadAllBytes(Path.Combine(killed, weights)));
        Assert.Empty(Directory.GetFiles(killed, $".{checkpoint}.*.tmp"));
    }

    // One thread per sample: the test projects run side by side, and the results are the same bits
    // for every thread count anyway.

    /// <summary>Runs a sample to completion (its exit code) or kills it after a delay (-1).</summary>
    private int Run(string sample, string[] arguments, TimeSpan? killAfter)
    {
        var (exitCode, text) = SampleProcess.Run(sample, arguments, killAfter);
        if (exitCode > 0)
        {
            output.WriteLine(text);
        }

        return exitCode;
    }

    private static string RepositoryRoot() => SampleProcess.RepositoryRoot();
}
