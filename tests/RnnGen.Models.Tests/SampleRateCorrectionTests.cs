using System;
using System.Collections.Generic;
using RnnGen.Audio;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// <see cref="SampleRateCorrection{TState}"/>: a model trained at one rate, run at a multiple of it with its
/// recurrent state delayed, against the model stepped at its own rate and against a plain reference of the
/// interpolated delay.
/// </summary>
public sealed class SampleRateCorrectionTests
{
    /// <summary>
    /// A whole ratio D, with an input held for D samples: each of the model's outputs at its own rate comes
    /// out D times, bit for bit (LSTM with cell states, stacked LSTMs, GRU; both modes, a whole delay being
    /// exact in both).
    /// </summary>
    [Theory]
    [InlineData(2, SampleRateCorrectionMode.NoInterpolation)]
    [InlineData(3, SampleRateCorrectionMode.NoInterpolation)]
    [InlineData(2, SampleRateCorrectionMode.LinearInterpolation)]
    public void AWholeRatio_RepeatsTheOutputsAtTheTrainedRate(int ratio, SampleRateCorrectionMode mode)
    {
        Check(new Lstm40(seed: 1));
        Check(new Lstm3Mse(seed: 2));
        Check(new Gru1Mse(seed: 3));

        void Check<TState>(IFeatureStreamingModel<TState> model)
            where TState : IRecurrentState
        {
            var rnn = (IRnnModel)model;
            using var disposeModel = rnn;
            int f = rnn.InputSize, o = rnn.OutputSize, steps = 12;
            float[] inputs = Signal(steps * f, 5);

            // At the trained rate.
            using var state = model.NewState();
            var expected = new float[steps * o];
            for (int t = 0; t < steps; t++)
            {
                model.Step(state, inputs.AsSpan(t * f, f), expected.AsSpan(t * o, o));
            }

            // At ratio × the rate, each input held for ratio samples.
            var held = new float[steps * ratio * f];
            for (int t = 0; t < steps * ratio; t++)
            {
                inputs.AsSpan((t / ratio) * f, f).CopyTo(held.AsSpan(t * f, f));
            }

            using var corrected = new SampleRateCorrection<TState>(model, 48_000, 48_000.0 * ratio, mode);
            Assert.Equal(ratio, corrected.Delay);
            var outputs = new float[steps * ratio * o];
            corrected.Process(held, outputs);
            for (int t = 0; t < steps * ratio; t++)
            {
                Assert.Equal(expected.AsSpan((t / ratio) * o, o).ToArray(), outputs.AsSpan(t * o, o).ToArray());
            }

            // Without the correction, the same held input gives other outputs: the delay is doing the work.
            using var plain = model.NewState();
            var uncorrected = new float[o];
            float[] last = [];
            for (int t = 0; t < 2 * ratio; t++)
            {
                model.Step(plain, held.AsSpan(t * f, f), uncorrected);
                last = (float[])uncorrected.Clone();
            }

            Assert.NotEqual(expected.AsSpan(1 * o, o).ToArray(), last);
        }
    }

    /// <summary>
    /// A fractional delay (48 → 72 kHz, d = 1.5; 44.1 → 96 kHz, d ≈ 2.18) against a plain reference: every
    /// past state kept as arrays, each step from (1 − α)·state(t − D) + α·state(t − D − 1).
    /// </summary>
    [Theory]
    [InlineData(48_000, 72_000)]
    [InlineData(44_100, 96_000)]
    public void AFractionalDelay_InterpolatesTheStates(double trained, double run)
    {
        using var model = new Lstm3Mse(seed: 4);
        int f = Lstm3Mse.InputSize, o = Lstm3Mse.OutputSize, steps = 20;
        float[] inputs = Signal(steps * f, 6);
        double delay = run / trained;
        int whole = (int)Math.Floor(delay);
        float alpha = (float)(delay - whole);

        // The reference: the history of whole states, as arrays.
        using var state = model.NewState();
        var history = new List<float[][]>();
        var expected = new float[steps * o];
        float[][] Snapshot(Lstm3Mse.State s)
        {
            var parts = new float[2 * s.LayerCount][];
            for (int l = 0; l < s.LayerCount; l++)
            {
                parts[2 * l] = s.Hidden(l).ToArray();
                parts[(2 * l) + 1] = s.Cell(l).ToArray();
            }

            return parts;
        }

        float[][] zero = Snapshot(state);
        for (int t = 0; t < steps; t++)
        {
            float[][] recent = t - whole >= 0 ? history[t - whole] : zero;
            float[][] older = t - whole - 1 >= 0 ? history[t - whole - 1] : zero;
            for (int l = 0; l < state.LayerCount; l++)
            {
                for (int i = 0; i < recent[2 * l].Length; i++)
                {
                    state.Hidden(l)[i] = ((1f - alpha) * recent[2 * l][i]) + (alpha * older[2 * l][i]);
                    state.Cell(l)[i] = ((1f - alpha) * recent[(2 * l) + 1][i]) + (alpha * older[(2 * l) + 1][i]);
                }
            }

            model.Step(state, inputs.AsSpan(t * f, f), expected.AsSpan(t * o, o));
            history.Add(Snapshot(state));
        }

        using var corrected = new SampleRateCorrection<Lstm3Mse.State>(model, trained, run);
        Assert.Equal(delay, corrected.Delay);
        var outputs = new float[steps * o];
        corrected.Process(inputs.AsSpan(0, 7 * f), outputs.AsSpan(0, 7 * o));
        for (int t = 7; t < steps; t++)
        {
            corrected.Step(inputs.AsSpan(t * f, f), outputs.AsSpan(t * o, o));
        }

        Assert.Equal(expected, outputs);

        // Reset starts the signal over.
        corrected.Reset();
        var again = new float[steps * o];
        corrected.Process(inputs, again);
        Assert.Equal(expected, again);
    }

    [Fact]
    public void ADelayOfOne_IsThePlainModel()
    {
        using var model = new Gru1Mse(seed: 7);
        int f = Gru1Mse.InputSize, o = Gru1Mse.OutputSize, steps = 9;
        float[] inputs = Signal(steps * f, 8);
        using var state = model.NewState();
        var expected = new float[steps * o];
        model.Process(state, inputs, expected);

        using var corrected = new SampleRateCorrection<Gru1Mse.State>(model, 48_000, 48_000);
        var outputs = new float[steps * o];
        corrected.Process(inputs, outputs);
        Assert.Equal(expected, outputs);
    }

    [Fact]
    public void Process_AllocatesNothing()
    {
        using var model = new Lstm40(seed: 1);
        using var corrected = new SampleRateCorrection<Lstm40.State>(model, 44_100, 96_000);
        float[] block = Signal(64, 2);
        var outputs = new float[64];
        Assert.Equal(0, Allocations.AfterWarmUp(() => corrected.Process(block, outputs)));
    }

    [Fact]
    public void BadArguments_AreRefused_AndABadBlockChangesNothing()
    {
        using var model = new Lstm40(seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleRateCorrection<Lstm40.State>(model, 96_000, 48_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleRateCorrection<Lstm40.State>(model, 0, 48_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleRateCorrection<Lstm40.State>(model, 48_000, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleRateCorrection<Lstm40.State>(model, 1_000, 100_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleRateCorrection<Lstm40.State>(model, 48_000, 96_000, (SampleRateCorrectionMode)5));
        Assert.Throws<ArgumentNullException>(() => new SampleRateCorrection<Lstm40.State>(null!, 48_000, 96_000));
        using (var mean = new GruMean(seed: 1))
        {
            Assert.Throws<ArgumentException>(() => new SampleRateCorrection<GruMean.State>(mean, 48_000, 96_000));
        }

        var corrected = new SampleRateCorrection<Lstm40.State>(model, 48_000, 96_000);
        float[] signal = Signal(8, 3);
        var first = new float[8];
        corrected.Process(signal, first);
        corrected.Reset();
        Assert.Throws<ArgumentException>(() => corrected.Process(signal, new float[7]));
        signal[5] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => corrected.Process(signal, new float[8]));
        signal[5] = Signal(8, 3)[5];
        var again = new float[8];
        corrected.Process(signal, again);
        Assert.Equal(first, again);

        corrected.Dispose();
        Assert.Throws<ObjectDisposedException>(() => corrected.Process(signal, again));
    }

    private static float[] Signal(int count, ulong seed)
    {
        var random = new RandomSource(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextGaussian() * 0.7f;
        }

        return values;
    }
}
