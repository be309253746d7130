using System;

namespace NeuralAmp;

/// <summary>
/// The effect the model learns when no recording is given: a small amp's chain, each stage a
/// textbook one, run sample by sample at the audio's rate.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item><b>Pre-emphasis and drive:</b> p[n] = 10·(x[n] − 0.5·x[n−1]); the lows are cut (a "tight"
/// input), the highs driven harder.</item>
/// <item><b>Asymmetric soft clipping</b> (a biased triode): a = tanh(p + 0.4) − tanh(0.4); positive and
/// negative swings clip at different levels, which adds even harmonics.</item>
/// <item><b>Tone filter:</b> a one-pole low-pass at 3 kHz, s[n] = s[n−1] + k·(a[n] − s[n−1]),
/// k = 1 − exp(−2π·3000 / rate).</item>
/// <item><b>Second clipping stage</b> (the power amp) and output level: y = 0.6·tanh(1.5·s).</item>
/// </list>
/// The output depends on the past through the pre-emphasis tap and the filter's state, as a real amp's
/// does through its capacitors; it stays within ±0.6.
/// </remarks>
public static class AmpEffect
{
    /// <summary>Returns the effect applied to <paramref name="input"/>, starting at rest.</summary>
    public static float[] Apply(ReadOnlySpan<float> input, int sampleRate)
    {
        var output = new float[input.Length];
        double k = 1 - Math.Exp(-2 * Math.PI * 3000 / sampleRate);
        double bias = Math.Tanh(0.4);
        double previous = 0, tone = 0;
        for (int n = 0; n < input.Length; n++)
        {
            double p = 10 * (input[n] - (0.5 * previous));
            previous = input[n];
            double a = Math.Tanh(p + 0.4) - bias;
            tone += k * (a - tone);
            output[n] = (float)(0.6 * Math.Tanh(1.5 * tone));
        }

        return output;
    }
}
