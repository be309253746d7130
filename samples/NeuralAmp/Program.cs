using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using RnnGen;
using RnnGen.Audio;
using RnnGen.Optimizers;

namespace NeuralAmp;

/// <summary>
/// Learns an amp-like effect end to end: an LSTM is trained with truncated backpropagation through
/// time on pairs of dry and processed audio, then runs the held-out audio block by block with
/// <c>Process</c>, as an audio callback would. Reports the error-to-signal ratio (ESR) on the
/// held-out audio and the real-time factor on one core, and writes the held-out input, target and
/// model output as WAV files.
/// </summary>
public static class Program
{
    private const string Usage = """
        NeuralAmp: an LSTM learns a guitar-amp-like effect from audio.

        Usage: dotnet run --project samples/NeuralAmp -c Release -- [options]

          --data IN TARGET  train on a recording pair: the dry signal and the processed one, WAV files
                            of the same rate (the first channel is used; the last 15% is held out)
                            (default: generated guitar audio through the effect in AmpEffect.cs)
          --seconds S       generated training audio, in seconds at 48 kHz (default 40; 8 more held out)
          --hidden N        LSTM units: 16 or 32 (default 16)
          --epochs N        passes over the training audio (default 20)
          --lr X            Adam's initial learning rate, halved over each quarter of the epochs (default 0.01)
          --threads N       training threads (default: the cores, at most 4)
          --seed N          seed for the audio, initialisation and segment order (default 1)
          --out DIR         where the WAV files go (default neuralamp-output)
          --save FILE       write the trained weights (safetensors)
        """;

    /// <summary>The generated audio's sample rate.</summary>
    private const int GeneratedRate = 48_000;

    /// <summary>Truncated BPTT: each segment is a warm-up window (no gradient) then this many trained windows, state carried.</summary>
    private const int WindowsPerSegment = 8;

    /// <summary>The block size of the streaming run: what an audio callback hands over.</summary>
    private const int Block = 64;

    public static int Main(string[] args)
    {
        string? dry = null, wet = null, save = null, outDirectory = "neuralamp-output";
        double seconds = 40;
        int hidden = 16, epochs = 20, seed = 1, threads = Math.Clamp(Environment.ProcessorCount, 1, 4);
        float lr = 0.01f;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string name = args[i];
                if (name is "-h" or "--help")
                {
                    Console.WriteLine(Usage);
                    return 0;
                }

                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
                switch (name)
                {
                    case "--data": dry = Next(); wet = Next(); break;
                    case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--hidden": hidden = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--lr": lr = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--out": outDirectory = Next(); break;
                    case "--save": save = Next(); break;
                    default: throw new ArgumentException($"Unknown option {name}.");
                }
            }

            if (hidden is not (16 or 32))
            {
                throw new ArgumentException("--hidden must be 16 or 32.");
            }

            if (epochs < 1 || !(lr > 0) || threads < 1 || !(seconds >= 2 && seconds <= 3600))
            {
                throw new ArgumentException("--epochs and --threads must be positive, --lr greater than 0, --seconds between 2 and 3600.");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        Audio audio;
        try
        {
            audio = dry is null ? Audio.Generated(seconds, seed) : Audio.Read(dry, wet!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        Console.WriteLine(audio.Description);
        try
        {
            return hidden == 16
                ? Run<AmpLstm16, AmpLstm16.State>(new AmpLstm16(seed), "LSTM 1→16 + Dense 1", audio, epochs, lr, threads, seed, outDirectory, save,
                    trained => Deploy<AmpLstm16Rational, AmpLstm16Rational.State>(new AmpLstm16Rational(), trained, audio))
                : Run<AmpLstm32, AmpLstm32.State>(new AmpLstm32(seed), "LSTM 1→32 + Dense 1", audio, epochs, lr, threads, seed, outDirectory, save,
                    trained => Deploy<AmpLstm32Rational, AmpLstm32Rational.State>(new AmpLstm32Rational(), trained, audio));
        }
        catch (NonFiniteException e)
        {
            Console.Error.WriteLine($"Training diverged: {e.Message}");
            Console.Error.WriteLine($"Try a lower --lr (it is {lr.ToString(CultureInfo.InvariantCulture)}).");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
    }

    private static int Run<TModel, TState>(TModel model, string name, Audio audio, int epochs, float lr, int threads, int seed, string outDirectory, string? save, Action<IRnnModel> deploy)
        where TModel : IRnnModel<float, float>, IFeatureStreamingModel<TState>
        where TState : IRecurrentState
    {
        using (model)
        {
            int t = model.SequenceLength, b = model.BatchSize;
            int segment = (WindowsPerSegment + 1) * t;
            if (audio.TrainInput.Length < segment)
            {
                Console.Error.WriteLine($"The training audio is {audio.TrainInput.Length:N0} samples; it needs at least {segment:N0}.");
                return 2;
            }

            model.Threads = threads;
            Console.WriteLine($"Model: {name}, {model.Parameters.Sum(p => p.Value.Length):N0} parameters; batches of {b} segments, " +
                $"{t} samples of warm-up then {WindowsPerSegment} windows of {t} trained with the state carried; {threads} thread(s).");
            Console.WriteLine($"Held-out ESR before training: {Esr(model, audio, null):F4}");
            Console.WriteLine();
            Console.WriteLine("epoch   training loss   held-out ESR   time");

            var inputs = new float[b * t];
            var targets = new float[b * t];
            var starts = new int[b];
            var random = new Random(seed + 1);
            int batchesPerEpoch = Math.Max(1, audio.TrainInput.Length / (b * WindowsPerSegment * t));
            using var adam = new Adam(model.Parameters, lr);
            var watch = Stopwatch.StartNew();
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                // Halve the rate over each quarter of the run: 1, 0.71, 0.5, 0.35 … of the initial rate at the end of each epoch.
                adam.LearningRate = lr * MathF.Pow(0.5f, 4f * (epoch - 1) / epochs);
                double loss = 0;
                for (int batch = 0; batch < batchesPerEpoch; batch++)
                {
                    for (int i = 0; i < b; i++)
                    {
                        starts[i] = random.Next(audio.TrainInput.Length - segment + 1);
                    }

                    // Warm-up: the state starts at rest and runs one window without a gradient, so the
                    // trained windows begin from a state the signal has shaped, as they would in use.
                    model.ResetInitialState();
                    Fill(audio.TrainInput, starts, 0, t, inputs);
                    model.Forward(inputs, targets);
                    model.CarryState();
                    for (int w = 1; w <= WindowsPerSegment; w++)
                    {
                        Fill(audio.TrainInput, starts, w * t, t, inputs);
                        Fill(audio.TrainTarget, starts, w * t, t, targets);
                        loss += model.TrainStep(inputs, targets);
                        GradientClipping.ClipByGlobalNorm(model.Parameters, 1f);
                        adam.Step();
                        model.CarryState();
                    }
                }

                double meanLoss = loss / (batchesPerEpoch * WindowsPerSegment);
                Console.WriteLine($"{epoch,5}   {meanLoss,13:E3}   {Esr(model, audio, null),12:F4}   {watch.Elapsed.TotalSeconds,4:F0}s");
            }

            // The streaming runs below are one stream on one core, as in an audio callback.
            model.Threads = 1;
            Console.WriteLine();
            var output = new float[audio.HeldInput.Length];
            double esr = Esr(model, audio, output);
            Console.WriteLine($"Held-out ESR: {esr:F4} ({audio.HeldInput.Length / (double)audio.SampleRate:F1} s of audio; ESR = Σ(target − output)² / Σ target²)");

            double realTime = RealTimeFactor(model, audio);
            Console.WriteLine($"Real-time factor of Process on one core, blocks of {Block}: {realTime:F0}× ({1e9 / (realTime * audio.SampleRate):F0} ns per sample at {audio.SampleRate:N0} Hz)");
            deploy(model);

            Directory.CreateDirectory(outDirectory);
            WavFile.Write(Path.Combine(outDirectory, "input.wav"), audio.HeldInput, audio.SampleRate, 1, WavSampleFormat.Pcm24);
            WavFile.Write(Path.Combine(outDirectory, "target.wav"), audio.HeldTarget, audio.SampleRate, 1, WavSampleFormat.Pcm24);
            WavFile.Write(Path.Combine(outDirectory, "output.wav"), output, audio.SampleRate, 1, WavSampleFormat.Pcm24);
            Console.WriteLine($"Wrote the held-out input.wav, target.wav and the model's output.wav to {Path.GetFullPath(outDirectory)}");
            if (save is not null)
            {
                model.Save(save);
                Console.WriteLine($"Saved the weights to {save}");
            }

            return 0;
        }
    }

    /// <summary>
    /// Copies the trained weights into the same model declared with rational activations
    /// (<c>ActivationMath.Rational</c>) and reports its held-out ESR and real-time factor: what deploying
    /// with the shorter step costs in accuracy, and what it gains in speed.
    /// </summary>
    private static void Deploy<TModel, TState>(TModel twin, IRnnModel trained, Audio audio)
        where TModel : IRnnModel<float, float>, IFeatureStreamingModel<TState>
        where TState : IRecurrentState
    {
        using (twin)
        {
            for (int i = 0; i < trained.Parameters.Count; i++)
            {
                trained.Parameters[i].Value.CopyTo(twin.Parameters[i].Value);
            }

            double esr = Esr(twin, audio, null);
            double realTime = RealTimeFactor(twin, audio);
            Console.WriteLine($"The same weights with rational activations (ActivationMath.Rational): held-out ESR {esr:F4}, " +
                $"real-time factor {realTime:F0}× ({1e9 / (realTime * audio.SampleRate):F0} ns per sample)");
        }
    }

    /// <summary>Copies <paramref name="length"/> samples from each segment's start + <paramref name="offset"/>, one row per batch entry.</summary>
    private static void Fill(float[] source, int[] starts, int offset, int length, float[] rows)
    {
        for (int i = 0; i < starts.Length; i++)
        {
            source.AsSpan(starts[i] + offset, length).CopyTo(rows.AsSpan(i * length, length));
        }
    }

    /// <summary>
    /// Runs the held-out input through the model as a stream, in blocks, from rest, and returns
    /// ESR = Σ(target − output)² / Σ target² (the error-to-signal ratio NeuralAmpModeler reports).
    /// </summary>
    private static double Esr<TState>(IFeatureStreamingModel<TState> model, Audio audio, float[]? output)
        where TState : IRecurrentState
    {
        output ??= new float[audio.HeldInput.Length];
        using TState state = model.NewState();
        for (int at = 0; at < output.Length; at += Block)
        {
            int n = Math.Min(Block, output.Length - at);
            model.Process(state, audio.HeldInput.AsSpan(at, n), output.AsSpan(at, n));
        }

        double error = 0, signal = 0;
        for (int i = 0; i < output.Length; i++)
        {
            double d = audio.HeldTarget[i] - output[i];
            error += d * d;
            signal += (double)audio.HeldTarget[i] * audio.HeldTarget[i];
        }

        return error / Math.Max(signal, double.Epsilon);
    }

    /// <summary>
    /// Seconds of audio processed per second of one core: the median of seven measurements, each at
    /// least 50 ms of passes over the held-out audio, after 200 ms of the same work (so the JIT has
    /// compiled the final code).
    /// </summary>
    private static double RealTimeFactor<TState>(IFeatureStreamingModel<TState> model, Audio audio)
        where TState : IRecurrentState
    {
        var output = new float[Block];
        using TState state = model.NewState();
        int blocks = audio.HeldInput.Length / Block;
        double Measure(double atLeastSeconds)
        {
            long samples = 0, start = Stopwatch.GetTimestamp();
            do
            {
                for (int i = 0; i < blocks; i++)
                {
                    model.Process(state, audio.HeldInput.AsSpan(i * Block, Block), output);
                }

                samples += blocks * Block;
            }
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < atLeastSeconds);
            return samples / (double)audio.SampleRate / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        Measure(0.2);
        var factors = new double[7];
        for (int i = 0; i < factors.Length; i++)
        {
            factors[i] = Measure(0.05);
        }

        Array.Sort(factors);
        return factors[factors.Length / 2];
    }
}
