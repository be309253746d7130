using System;
using System.IO;
using RnnGen;
using RnnGen.Cells;
using RnnGen.Optimizers;
using static RnnGen.Cells.CellMath;

// Every kind of layer a user declares, trained a little, saved, loaded into a fresh model and
// streamed: the whole public path through the package. Exit code 0 when every check holds.
// .ci/package-check runs it on .NET 10, on .NET 8 and as a NativeAOT binary, and compares what
// training wrote (the fingerprint) across them.
Console.WriteLine("RnnGen consumer on " + System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
int widest = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512
    : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 256
    : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? 128 : 0;
Console.WriteLine($"widest vectors: {widest}-bit; NativeAOT variant: {NativeAotVariants.Current ?? "none"}");
int failures = 0;

// What training wrote, bit for bit (FNV-1a over the saved weight files): the same on every runtime
// and compilation that runs the same vector width.
ulong fingerprint = 14695981039346656037UL;
void Fingerprint(string file)
{
    foreach (byte b in File.ReadAllBytes(file))
    {
        fingerprint = (fingerprint ^ b) * 1099511628211UL;
    }
}

void Check(bool condition, string what)
{
    Console.WriteLine((condition ? "ok   " : "FAIL ") + what);
    failures += condition ? 0 : 1;
}

string directory = Path.Combine(Path.GetTempPath(), "rnngen-consumer-" + Environment.ProcessId);
Directory.CreateDirectory(directory);
try
{
    // A char-level LSTM: tokens in, next-token logits out.
    {
        using var model = new CharModel(seed: 1);
        using var adam = new Adam(model.Parameters, 1e-2f);
        var random = new RandomSource(3);
        int[] tokens = new int[CharModel.BatchSize * CharModel.SequenceLength];
        int[] targets = new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = random.NextInt(CharModel.Vocabulary);
            targets[i] = (tokens[i] + 1) % CharModel.Vocabulary;
        }

        float first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            last = model.TrainStep(tokens, targets);
            first = step == 0 ? last : first;
            GradientClipping.ClipByGlobalNorm(model.Parameters, 5f);
            adam.Step();
        }

        Check(last < 0.5f * first, $"LSTM char model learns (loss {first:F3} -> {last:F3})");
        string path = Path.Combine(directory, "char.safetensors");
        model.Save(path);
        Fingerprint(path);
        using var loaded = new CharModel(seed: 2);
        loaded.Load(path);
        float[] expected = new float[tokens.Length * CharModel.OutputSize];
        float[] actual = new float[expected.Length];
        model.Forward(tokens, expected);
        loaded.Forward(tokens, actual);
        Check(expected.AsSpan().SequenceEqual(actual), "LSTM char model: saved and loaded weights give the same outputs");

        using var state = loaded.NewState();
        float[] logits = new float[CharModel.OutputSize];
        bool same = true;
        for (int t = 0; t < CharModel.SequenceLength; t++)
        {
            loaded.Step(state, tokens[t], logits);
            same &= logits.AsSpan().SequenceEqual(actual.AsSpan(t * CharModel.OutputSize, CharModel.OutputSize));
        }

        Check(same, "LSTM char model: streaming reproduces Forward bit for bit");
    }

    // Float features through a GRU, a MUT and a cell written in C#, with a mean-squared-error head.
    {
        using var model = new Regressor(seed: 1);
        using var adam = new Adam(model.Parameters, 1e-2f);
        var random = new RandomSource(5);
        float[] inputs = new float[Regressor.BatchSize * Regressor.SequenceLength * Regressor.InputSize];
        float[] targets = new float[Regressor.BatchSize * Regressor.SequenceLength * Regressor.OutputSize];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = random.NextGaussian();
        }

        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = 0.5f * inputs[(i / Regressor.OutputSize) * Regressor.InputSize];
        }

        float first = 0, last = 0;
        for (int step = 0; step < 80; step++)
        {
            last = model.TrainStep(inputs, targets);
            first = step == 0 ? last : first;
            adam.Step();
        }

        Check(last < 0.5f * first, $"GRU + MUT + C# cell regressor learns (loss {first:F4} -> {last:F4})");
        string path = Path.Combine(directory, "regressor.safetensors");
        model.Save(path);
        Fingerprint(path);
        using var loaded = new Regressor(seed: 9);
        loaded.Load(path);
        float[] expected = new float[targets.Length];
        float[] actual = new float[targets.Length];
        model.Forward(inputs, expected);
        loaded.Forward(inputs, actual);
        Check(expected.AsSpan().SequenceEqual(actual), "regressor: saved and loaded weights give the same outputs");

        using var state = loaded.NewState();
        float[] output = new float[Regressor.OutputSize];
        bool same = true;
        for (int t = 0; t < Regressor.SequenceLength; t++)
        {
            loaded.Step(state, inputs.AsSpan(t * Regressor.InputSize, Regressor.InputSize), output);
            same &= output.AsSpan().SequenceEqual(actual.AsSpan(t * Regressor.OutputSize, Regressor.OutputSize));
        }

        Check(same, "regressor: streaming reproduces Forward bit for bit");
        try
        {
            inputs[3] = float.NaN;
            model.Forward(inputs, expected);
            Check(false, "a NaN input is refused");
        }
        catch (ArgumentException)
        {
            Check(true, "a NaN input is refused");
        }
    }

    // The other layers: conditioning, a projected LSTM with peepholes, dropout, a ReLU RNN, an LSTM
    // with coupled gates, attention over a memory; then an RNN, a GRU with the reset before the
    // matrix product and a mean readout.
    {
        using var model = new Decoder(seed: 1);
        using var adam = new Adam(model.Parameters, 1e-2f);
        var random = new RandomSource(7);
        int[] tokens = new int[Decoder.BatchSize * Decoder.SequenceLength];
        int[] targets = new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = random.NextInt(Decoder.Vocabulary);
            targets[i] = (tokens[i] + 2) % Decoder.Vocabulary;
        }

        foreach (ref float v in model.Memory)
        {
            v = random.NextGaussian();
        }

        foreach (ref float v in model.Conditions)
        {
            v = random.NextGaussian();
        }

        model.Training = true;
        float first = 0, last = 0;
        for (int step = 0; step < 80; step++)
        {
            last = model.TrainStep(tokens, targets);
            first = step == 0 ? last : first;
            adam.Step();
        }

        model.Training = false;
        Check(last < 0.5f * first, $"conditioned, projected, attending decoder learns with dropout (loss {first:F3} -> {last:F3})");
        string path = Path.Combine(directory, "decoder.safetensors");
        model.Save(path);
        Fingerprint(path);
        using var loaded = new Decoder(seed: 2);
        loaded.Load(path);
        model.Memory.CopyTo(loaded.Memory);
        model.Conditions.CopyTo(loaded.Conditions);
        float[] expected = new float[tokens.Length * Decoder.OutputSize];
        float[] actual = new float[expected.Length];
        model.Forward(tokens, expected);
        loaded.Forward(tokens, actual);
        Check(expected.AsSpan().SequenceEqual(actual), "decoder: saved and loaded weights give the same outputs");

        using var state = loaded.NewState();
        loaded.InitialiseState(state, loaded.Conditions.Slice(0, Decoder.ConditionSize));
        loaded.SetMemory(state, loaded.Memory.Slice(0, Decoder.MemoryLength * Decoder.MemorySize), Decoder.MemoryLength);
        float[] logits = new float[Decoder.OutputSize];
        bool same = true;
        for (int t = 0; t < Decoder.SequenceLength; t++)
        {
            loaded.Step(state, tokens[t], logits);
            same &= logits.AsSpan().SequenceEqual(actual.AsSpan(t * Decoder.OutputSize, Decoder.OutputSize));
        }

        Check(same, "decoder: streaming reproduces Forward bit for bit");
    }

    {
        using var model = new Summarizer(seed: 1);
        using var adam = new Adam(model.Parameters, 1e-2f);
        var random = new RandomSource(11);
        float[] inputs = new float[Summarizer.BatchSize * Summarizer.SequenceLength * Summarizer.InputSize];
        float[] targets = new float[Summarizer.BatchSize];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = random.NextGaussian();
        }

        for (int b = 0; b < targets.Length; b++)
        {
            targets[b] = 0.3f * inputs[b * Summarizer.SequenceLength * Summarizer.InputSize];
        }

        float first = 0, last = 0;
        for (int step = 0; step < 80; step++)
        {
            last = model.TrainStep(inputs, targets);
            first = step == 0 ? last : first;
            adam.Step();
        }

        Check(last < 0.5f * first, $"RNN + GRU (reset before) with a mean readout learns (loss {first:F4} -> {last:F4})");
        string path = Path.Combine(directory, "summarizer.safetensors");
        model.Save(path);
        Fingerprint(path);
        using var loaded = new Summarizer(seed: 3);
        loaded.Load(path);
        float[] expected = new float[targets.Length];
        float[] actual = new float[targets.Length];
        model.Forward(inputs, expected);
        loaded.Forward(inputs, actual);
        Check(expected.AsSpan().SequenceEqual(actual), "summarizer: saved and loaded weights give the same outputs");
    }

    // A file torch.save wrote (tests/Fixtures/views.pt, given by .ci/package-check) read without
    // Python, against the same tensors as torch converted them (pt-expected.safetensors).
    if (args.Length == 2)
    {
        var views = PyTorchStateDict.ReadAll(args[0]);
        var expected = SafeTensors.ReadAll(args[1]);
        bool same = views.Count > 0;
        foreach (var (name, tensor) in views)
        {
            same &= expected.TryGetValue("view." + name, out var reference)
                && tensor.ToSingleArray().AsSpan().SequenceEqual(reference.ToSingleArray());
        }

        Check(same, $"PyTorch file: {views.Count} tensors read as torch reads them");
    }
}
finally
{
    Directory.Delete(directory, recursive: true);
}

Console.WriteLine($"trained weights: {fingerprint:x16}");
Console.WriteLine(failures == 0 ? "consumer: every check holds" : $"consumer: {failures} checks failed");
return failures == 0 ? 0 : 1;

[RnnModel(SequenceLength = 16, BatchSize = 4)]
[Embedding(Vocabulary = 11, Dimensions = 8)]
[Lstm(Hidden = 24, Layers = 2)]
[Dense(Outputs = 11)]
[SoftmaxCrossEntropy]
public partial class CharModel
{
    public const int Vocabulary = 11;
}

[RnnModel(SequenceLength = 12, BatchSize = 4)]
[Input(Features = 3)]
[Gru(Hidden = 12)]
[Mut(Hidden = 12, Variant = MutVariant.Mut2)]
[Cell(typeof(LeakyCell), Hidden = 10)]
[Dense(Outputs = 2)]
[MeanSquaredError]
public partial class Regressor;

[RnnModel(SequenceLength = 6, BatchSize = 3)]
[Embedding(Vocabulary = 7, Dimensions = 5)]
[Condition(Features = 4)]
[Lstm(Hidden = 12, Projection = 6, Peepholes = true)]
[Dropout(0.25)]
[Rnn(Hidden = 8, Activation = RnnActivation.Relu)]
[Lstm(Hidden = 9, CoupledGates = true, Name = "top")]
[Attention(MemorySize = 5, MemoryLength = 4, Units = 6)]
[Dense(Outputs = 7)]
[SoftmaxCrossEntropy]
public partial class Decoder
{
    public const int Vocabulary = 7;
}

[RnnModel(SequenceLength = 5, BatchSize = 3)]
[Input(Features = 2)]
[Rnn(Hidden = 6)]
[Gru(Hidden = 5, ResetAfter = false)]
[Dense(Outputs = 1, Readout = RnnReadout.Mean)]
[MeanSquaredError]
public partial class Summarizer;

/// <summary>A leaky tanh unit: h ← (1 − a)·h + a·tanh(W·x + U·h + b), with a learned gate a.</summary>
[RecurrentCell]
public static class LeakyCell
{
    public static void Step(Units x, ref Units h, CellParameters p)
    {
        Units a = Sigmoid(p.Linear("xa", x) + p.Linear("ha", h) + p.Bias("a"));
        h = (1 - a) * h + a * Tanh(p.Linear("xh", x) + p.Linear("hh", h) + p.Bias("h"));
    }
}
