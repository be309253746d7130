using System;

namespace NeuralAmp;

/// <summary>
/// Synthesises a dry ("DI") guitar-like signal, the input an amp sees: plucked single notes and
/// strummed chords (Karplus–Strong strings), bursts of noise and sine sweeps, at varied levels,
/// with short silences between them. Deterministic for a seed.
/// </summary>
public static class Guitar
{
    /// <summary>Returns <paramref name="seconds"/> of audio at <paramref name="sampleRate"/>, peaks within ±1.</summary>
    public static float[] Generate(double seconds, int sampleRate, Random random)
    {
        var audio = new float[(int)Math.Round(seconds * sampleRate)];
        int at = 0;
        while (at < audio.Length)
        {
            // The next event starts while the last one still rings (or after a short pause).
            double roll = random.NextDouble();
            int length;
            if (roll < 0.45)
            {
                length = Pluck(audio, at, Note(random), Level(random), random.NextDouble() * 1.2 + 0.3, sampleRate, random);
            }
            else if (roll < 0.8)
            {
                length = Chord(audio, at, Level(random), sampleRate, random);
            }
            else if (roll < 0.9)
            {
                length = Noise(audio, at, Level(random), random.NextDouble() * 0.3 + 0.05, sampleRate, random);
            }
            else
            {
                length = Sweep(audio, at, Level(random), random.NextDouble() * 1.5 + 0.5, sampleRate, random);
            }

            at += (int)(length * (random.NextDouble() * 0.8 + 0.2)) + (random.NextDouble() < 0.15 ? sampleRate / 10 : 0);
        }

        for (int i = 0; i < audio.Length; i++)
        {
            audio[i] = Math.Clamp(audio[i], -1f, 1f);
        }

        return audio;
    }

    /// <summary>A playing level: peak amplitudes from soft (0.05) to hard (0.8), even in decibels.</summary>
    private static double Level(Random random) => 0.05 * Math.Pow(16, random.NextDouble());

    /// <summary>A note of a guitar's range, E2 (82 Hz) to E5 (659 Hz), equal temperament.</summary>
    private static double Note(Random random) => 82.41 * Math.Pow(2, random.Next(0, 37) / 12.0);

    /// <summary>
    /// One plucked string (Karplus–Strong): a delay line of one period filled with a noise burst,
    /// fed back through a two-point average and a loss factor, so high partials die first.
    /// </summary>
    private static int Pluck(float[] audio, int at, double frequency, double level, double seconds, int sampleRate, Random random)
    {
        int period = Math.Max(2, (int)Math.Round(sampleRate / frequency));
        var line = new double[period];
        double bright = random.NextDouble() * 0.5 + 0.5; // pick attack: 1 bright, 0.5 dull (noise low-passed)
        double last = 0;
        for (int i = 0; i < period; i++)
        {
            last = (bright * (random.NextDouble() * 2 - 1)) + ((1 - bright) * last);
            line[i] = last;
        }

        double peak = 0;
        foreach (double v in line)
        {
            peak = Math.Max(peak, Math.Abs(v));
        }

        double gain = level / Math.Max(peak, 1e-9);
        double loss = Math.Pow(0.001, 1.0 / (seconds * sampleRate / period)); // −60 dB after `seconds`
        int length = Math.Min((int)(seconds * sampleRate), audio.Length - at);
        int read = 0;
        for (int n = 0; n < length; n++)
        {
            int next = (read + 1) % period;
            double y = line[read];
            line[read] = loss * 0.5 * (line[read] + line[next]);
            read = next;
            audio[at + n] += (float)(gain * y);
        }

        return length;
    }

    /// <summary>A strummed major or minor chord: four to six strings plucked 4–25 ms apart.</summary>
    private static int Chord(float[] audio, int at, double level, int sampleRate, Random random)
    {
        double root = 82.41 * Math.Pow(2, random.Next(0, 12) / 12.0);
        int[] steps = random.NextDouble() < 0.5 ? [0, 7, 12, 16, 19, 24] : [0, 7, 12, 15, 19, 24];
        int strings = random.Next(4, 7);
        int spacing = (int)(sampleRate * (random.NextDouble() * 0.021 + 0.004));
        double seconds = random.NextDouble() * 1.5 + 0.5;
        int length = 0;
        for (int s = 0; s < strings && at + (s * spacing) < audio.Length; s++)
        {
            double frequency = root * Math.Pow(2, steps[s] / 12.0);
            length = Math.Max(length, (s * spacing) + Pluck(audio, at + (s * spacing), frequency, level / Math.Sqrt(strings), seconds, sampleRate, random));
        }

        return length;
    }

    /// <summary>A burst of noise, low-passed by a random amount, with a fast attack and a linear decay.</summary>
    private static int Noise(float[] audio, int at, double level, double seconds, int sampleRate, Random random)
    {
        int length = Math.Min((int)(seconds * sampleRate), audio.Length - at);
        double smooth = random.NextDouble() * 0.9, y = 0;
        for (int n = 0; n < length; n++)
        {
            y = (smooth * y) + ((1 - smooth) * (random.NextDouble() * 2 - 1));
            double envelope = Math.Min(1, n / (0.002 * sampleRate)) * (1 - ((double)n / length));
            audio[at + n] += (float)(level * envelope * y);
        }

        return length;
    }

    /// <summary>A sine sweep, exponential in frequency, from 40–200 Hz up to 2–8 kHz (or down).</summary>
    private static int Sweep(float[] audio, int at, double level, double seconds, int sampleRate, Random random)
    {
        int length = Math.Min((int)(seconds * sampleRate), audio.Length - at);
        double low = 40 * Math.Pow(5, random.NextDouble()), high = 2000 * Math.Pow(4, random.NextDouble());
        bool up = random.NextDouble() < 0.5;
        double phase = 0;
        for (int n = 0; n < length; n++)
        {
            double u = (double)n / length;
            double frequency = up ? low * Math.Pow(high / low, u) : high * Math.Pow(low / high, u);
            phase += 2 * Math.PI * frequency / sampleRate;
            double envelope = Math.Min(1, Math.Min(n, length - n) / (0.01 * sampleRate));
            audio[at + n] += (float)(level * envelope * Math.Sin(phase));
        }

        return length;
    }
}
