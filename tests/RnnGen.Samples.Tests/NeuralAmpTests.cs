using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using RnnGen.Audio;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Samples.Tests;

/// <summary>
/// NeuralAmp as a user runs it: a short training run on generated audio learns the effect (the
/// held-out error falls more than tenfold) and writes WAV files that read back; its files
/// then train a second run through <c>--data</c>; a file that is not WAV is refused with exit code 2.
/// </summary>
public sealed class NeuralAmpTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-amp-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ShortRun_LearnsTheEffect_WritesWavFiles_AndTrainsAgainOnThem()
    {
        string first = Path.Combine(_directory, "first");
        string text = RunSample(0, "--seconds", "10", "--epochs", "5", "--threads", "1", "--out", first, "--save", Path.Combine(_directory, "amp.safetensors"));

        // Before training the model's output is unrelated to the target (ESR ≈ 1); five epochs of 10 s
        // take it more than tenfold lower (0.055 on this seed): a model that did not learn, or a stream
        // run that did not match training, stays near 1.
        double before = Number(text, @"Held-out ESR before training: ([0-9.]+)");
        double after = Number(text, @"Held-out ESR: ([0-9.]+)");
        Assert.InRange(before, 0.5, 10);
        Assert.InRange(after, 0, 0.1);
        Assert.True(Number(text, @"Real-time factor of Process on one core, blocks of 64: ([0-9.]+)×") > 1);

        // The same weights in the model declared with rational activations: the output moves by a few
        // 1e-7 per activation, so the ESR stays that of the exact model to within 1% (and the printed precision).
        double rational = Number(text, @"rational activations \(ActivationMath.Rational\): held-out ESR ([0-9.]+)");
        Assert.True(Math.Abs(rational - after) <= (0.01 * after) + 1e-4, $"ESR {rational} with rational activations, {after} with exact ones");
        Assert.True(Number(text, @"rational activations.*real-time factor ([0-9.]+)×") > 1);
        Assert.True(File.Exists(Path.Combine(_directory, "amp.safetensors")));

        // The three held-out files: 8 s at 48 kHz, mono; the written output's ESR is the one reported
        // (24-bit PCM changes it by less than the printed precision).
        WavAudio input = WavFile.Read(Path.Combine(first, "input.wav"));
        WavAudio target = WavFile.Read(Path.Combine(first, "target.wav"));
        WavAudio model = WavFile.Read(Path.Combine(first, "output.wav"));
        foreach (WavAudio file in new[] { input, target, model })
        {
            Assert.Equal(48_000, file.SampleRate);
            Assert.Equal(1, file.Channels);
            Assert.Equal(8 * 48_000, file.Frames);
        }

        double error = 0, signal = 0;
        for (int i = 0; i < target.Samples.Length; i++)
        {
            error += Math.Pow(target.Samples[i] - model.Samples[i], 2);
            signal += Math.Pow(target.Samples[i], 2);
        }

        Assert.Equal(after, error / signal, 3);
        Assert.True(signal > 0.01 * target.Samples.Length, "the target is nearly silent");

        // A recording pair: the files just written. The last 15% of the 8 s is held out.
        string second = Path.Combine(_directory, "second");
        text = RunSample(0, "--data", Path.Combine(first, "input.wav"), Path.Combine(first, "target.wav"), "--epochs", "2", "--threads", "1", "--out", second);
        Assert.Contains("Data: ", text);
        Assert.Equal(8 * 48_000 * 15 / 100, WavFile.Read(Path.Combine(second, "output.wav")).Frames);
        Assert.True(Number(text, @"Held-out ESR: ([0-9.]+)") < before);
    }

    [Fact]
    public void TwoThreads_GiveTheSameModelAsOne()
    {
        RunSample(0, "--seconds", "3", "--epochs", "2", "--threads", "1", "--out", Path.Combine(_directory, "one"));
        RunSample(0, "--seconds", "3", "--epochs", "2", "--threads", "2", "--out", Path.Combine(_directory, "two"));
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(_directory, "one", "output.wav")),
            File.ReadAllBytes(Path.Combine(_directory, "two", "output.wav")));
    }

    [Fact]
    public void NotAWavFile_IsRefusedWithItsReason()
    {
        string bad = Path.Combine(_directory, "bad.wav");
        File.WriteAllText(bad, "not audio at all, but long enough to hold a header");
        string text = RunSample(2, "--data", bad, bad);
        Assert.Contains("Not a WAV file", text);

        text = RunSample(2, "--hidden", "24");
        Assert.Contains("--hidden must be 16 or 32.", text);
    }

    private string RunSample(int expectedExitCode, params string[] arguments)
    {
        var (exitCode, text) = SampleProcess.Run("NeuralAmp", arguments);
        output.WriteLine(text);
        Assert.Equal(expectedExitCode, exitCode);
        return text;
    }

    private static double Number(string text, string pattern)
    {
        Match match = Regex.Match(text, pattern);
        Assert.True(match.Success, $"no line matches {pattern}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
