using System;
using RnnGen.Audio;

namespace NeuralAmp;

/// <summary>The training and held-out pairs of dry input and processed target, at one sample rate.</summary>
internal sealed record Audio(int SampleRate, float[] TrainInput, float[] TrainTarget, float[] HeldInput, float[] HeldTarget, string Description)
{
    /// <summary>Generated guitar audio through <see cref="AmpEffect"/>: the training part, then 8 s held out, made with their own seeds.</summary>
    public static Audio Generated(double seconds, int seed)
    {
        float[] train = Guitar.Generate(seconds, 48_000, new Random(seed));
        float[] held = Guitar.Generate(8, 48_000, new Random(seed + 1_000_003));
        return new Audio(48_000, train, AmpEffect.Apply(train, 48_000), held, AmpEffect.Apply(held, 48_000),
            $"Data: {seconds:0.#} s of generated guitar audio at 48 kHz for training, 8 s more held out; the target is the effect in AmpEffect.cs.");
    }

    /// <summary>A recording pair: the dry signal and the processed one. The last 15% is held out.</summary>
    /// <exception cref="System.IO.InvalidDataException">A file is not a readable WAV file, or the pair does not match.</exception>
    public static Audio Read(string dryPath, string wetPath)
    {
        WavAudio dry = WavFile.Read(dryPath), wet = WavFile.Read(wetPath);
        if (dry.SampleRate != wet.SampleRate)
        {
            throw new System.IO.InvalidDataException($"{dryPath} is at {dry.SampleRate} Hz and {wetPath} at {wet.SampleRate} Hz; the pair must share a sample rate.");
        }

        int frames = Math.Min(dry.Frames, wet.Frames);
        if (frames < dry.SampleRate)
        {
            throw new System.IO.InvalidDataException($"The pair holds {frames:N0} samples in common; it needs at least one second ({dry.SampleRate:N0}).");
        }

        float[] input = dry.Channel(0)[..frames], target = wet.Channel(0)[..frames];
        int split = frames - (frames * 15 / 100);
        string note = (dry.Frames != wet.Frames ? $" The files differ in length ({dry.Frames:N0} and {wet.Frames:N0} samples); the first {frames:N0} are used." : "")
            + (dry.Channels > 1 || wet.Channels > 1 ? " Only the first channel of each is used." : "");
        return new Audio(dry.SampleRate, input[..split], target[..split], input[split..], target[split..],
            $"Data: {dryPath} → {wetPath}, {frames / (double)dry.SampleRate:F1} s at {dry.SampleRate:N0} Hz; the last {(frames - split) / (double)dry.SampleRate:F1} s held out.{note}");
    }
}
