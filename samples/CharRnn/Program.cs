using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using RnnGen;
using RnnGen.Numerics;
using RnnGen.Optimizers;

namespace CharRnn;

/// <summary>
/// Trains a character-level LSTM with Adam and gradient clipping, reports progress, saves the
/// weights, and prints text sampled one character at a time with the streaming API.
/// </summary>
public static class Program
{
    private const string Usage = """
        CharRnn: train a character-level LSTM language model and sample from it.

        Usage: dotnet run --project samples/CharRnn -c Release -- [options]

          --data FILE         text corpus (default: RnnGen's own runtime sources, embedded)
          --cell NAME         lstm (default), peephole, coupled, gru, gru-reset-before, mut1, mut2, mut3,
                              mgu (the minimal gated unit, a cell written in C#)
          --steps N           training steps (default 400; 0 skips training, e.g. with --load)
          --minutes M         stop training after M minutes, whichever comes first (default 10)
          --lr X              Adam learning rate (default 0.002)
          --clip X            gradient clipping, max global norm (default 5)
          --log-every N       report every N steps (default 25)
          --out FILE          where to save the weights (default charrnn.safetensors)
          --load FILE         start from saved weights (their .vocab file must sit beside them)
          --length N          characters to sample (default 500)
          --temperature T     sampling temperature (default 0.8; 0 = always the likeliest)
          --prime TEXT        text to start sampling from (default: the start of the validation text)
          --seed N            seed for initialisation, batches and sampling (default 1)
          --checkpoint DIR    keep a checkpoint of the training run in DIR and resume from it: a run
                              stopped at any point (even killed) continues exactly where it was
          --checkpoint-every N  steps between checkpoints (default 25)
          --threads N         threads for training (default: the cores, at most 4; the results are
                              the same bits for every count)
          --report FILE       write an HTML page: the loss curves, the validation text coloured by the
                              cells that best track the position in the line, quotes, comments and
                              indentation, and how often each gate saturates
        """;

    public static int Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine();
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(Usage);
            return 0;
        }

        string text = options.Data is null ? EmbeddedCorpus() : File.ReadAllText(options.Data);
        string source = options.Data ?? "RnnGen's runtime sources (embedded)";
        if (text.Length < (CharLstm.SequenceLength + 1) * 4)
        {
            Console.Error.WriteLine($"The corpus {source} is too short: it needs at least {(CharLstm.SequenceLength + 1) * 4} characters.");
            return 2;
        }

        Vocabulary vocabulary = options.Load is null ? Vocabulary.Build(text, CharLstm.InputSize) : VocabularyFile.Read(options.Load);
        int[] ids = vocabulary.Encode(text);
        int split = (int)(ids.Length * 0.9);
        int[] train = ids[..split], validation = ids[split..];
        Console.WriteLine($"Corpus: {source}, {text.Length:N0} characters ({train.Length:N0} train, {validation.Length:N0} validation).");
        if (vocabulary.UnknownId >= 0)
        {
            Console.WriteLine($"Vocabulary: the {CharLstm.InputSize - 1} most frequent characters; {vocabulary.RareCount:N0} rarer ones share '{Vocabulary.Unknown}'.");
        }

        // The same run for every cell: each is its own generated model class.
        return options.Cell switch
        {
            "peephole" => Run<CharPeephole, CharPeephole.State>(new CharPeephole(options.Seed), "LSTM with peepholes 128 ×2", vocabulary, text, split, train, validation, options),
            "coupled" => Run<CharCoupled, CharCoupled.State>(new CharCoupled(options.Seed), "LSTM with coupled gates 128 ×2", vocabulary, text, split, train, validation, options),
            "gru" => Run<CharGru, CharGru.State>(new CharGru(options.Seed), "GRU 128 ×2", vocabulary, text, split, train, validation, options),
            "gru-reset-before" => Run<CharGruResetBefore, CharGruResetBefore.State>(new CharGruResetBefore(options.Seed), "GRU (reset before the product) 128 ×2", vocabulary, text, split, train, validation, options),
            "mut1" => Run<CharMut1, CharMut1.State>(new CharMut1(options.Seed), "MUT1 128 ×2", vocabulary, text, split, train, validation, options, embedding: 128),
            "mut2" => Run<CharMut2, CharMut2.State>(new CharMut2(options.Seed), "MUT2 128 ×2", vocabulary, text, split, train, validation, options, embedding: 128),
            "mut3" => Run<CharMut3, CharMut3.State>(new CharMut3(options.Seed), "MUT3 128 ×2", vocabulary, text, split, train, validation, options),
            "mgu" => Run<CharMgu, CharMgu.State>(new CharMgu(options.Seed), "MGU (C#) 128 ×2", vocabulary, text, split, train, validation, options),
            _ => Run<CharLstm, CharLstm.State>(new CharLstm(options.Seed), "LSTM 128 ×2", vocabulary, text, split, train, validation, options),
        };
    }

    private static int Run<TModel, TState>(TModel model, string cell, Vocabulary vocabulary, string text, int split, int[] train, int[] validation, Options options, int embedding = 32)
        where TModel : IRnnModel<int, int>, ITokenStreamingModel<TState>, ITokenTappedModel<TState>
        where TState : IRecurrentState
    {
        using var owner = model;

        // Training splits each batch across the cores; the results are the same bits on any count.
        model.Threads = options.Threads ?? Math.Min(Environment.ProcessorCount, 4);
        if (options.Load is not null)
        {
            model.Load(options.Load);
            Console.WriteLine($"Loaded weights from {options.Load}.");
        }

        long parameters = model.Parameters.Sum(p => (long)p.Value.Length);
        Console.WriteLine($"Model: Embedding 65×{embedding} → {cell} → Dense 65; {parameters:N0} parameters; batches of {CharLstm.BatchSize}×{CharLstm.SequenceLength} characters; {model.Threads} thread(s).");
        var curve = new List<(int Step, double Train, double Valid)>();
        if (options.Steps > 0)
        {
            if (!Train(model, train, validation, options, curve))
            {
                return 1;
            }

            string? directory = Path.GetDirectoryName(Path.GetFullPath(options.Out));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            model.Save(options.Out);
            VocabularyFile.Write(options.Out, vocabulary);
            Console.WriteLine($"Saved weights to {options.Out} (and its vocabulary to {VocabularyFile.PathFor(options.Out)}).");
        }

        // Compact weights for inference: the same model reading a bfloat16 copy of its weight matrices
        // (half the bytes) or an int8 copy with a scale per row (a quarter); sums and states stay float32.
        // Forward, and so Evaluate here, reads them too.
        double float32Loss = Evaluate(model, validation);
        model.InferenceWeights = WeightFormat.BFloat16;
        double bfloat16Loss = Evaluate(model, validation);
        model.InferenceWeights = WeightFormat.Int8;
        double int8Loss = Evaluate(model, validation);
        model.InferenceWeights = WeightFormat.Float32;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Validation loss {float32Loss:F4} with float32 weights, {bfloat16Loss:F4} with bfloat16 weights ({100 * ((bfloat16Loss / float32Loss) - 1):+0.00;-0.00;0.00}%), {int8Loss:F4} with int8 weights ({100 * ((int8Loss / float32Loss) - 1):+0.00;-0.00;0.00}%)."));

        if (options.Report is not null)
        {
            WriteReport<TModel, TState>(model, $"{cell}: character model", $"Embedding 65×{embedding} → {cell} → Dense 65, {parameters:N0} parameters, trained on {Path.GetFileName(options.Data ?? "RnnGen's runtime sources")}; validation loss {float32Loss:F4} nats per character.", curve, text[split..], validation, options.Report);
        }

        string prime = options.Prime ?? text.Substring(split, Math.Min(40, text.Length - split));
        Console.WriteLine();
        Console.WriteLine($"Sample ({options.Length} characters, temperature {options.Temperature.ToString(CultureInfo.InvariantCulture)}):");
        Console.WriteLine("----");
        Console.WriteLine(Sample<TModel, TState>(model, vocabulary, prime, options.Length, options.Temperature, options.Seed));
        Console.WriteLine("----");
        return 0;
    }

    /// <summary>
    /// Runs the model over up to 3,000 characters of validation text with taps, and writes the report:
    /// the loss curves, the cells that best track simple features of the text, and the gates' saturation.
    /// </summary>
    private static void WriteReport<TModel, TState>(TModel model, string title, string summary, List<(int Step, double Train, double Valid)> curve, string validationText, int[] validation, string path)
        where TModel : IRnnModel<int, int>, ITokenStreamingModel<TState>, ITokenTappedModel<TState>
        where TState : IRecurrentState
    {
        int n = Math.Min(3000, validation.Length);
        var taps = new float[n * model.TapSize];
        using (TState state = model.NewState())
        {
            model.Process(state, validation.AsSpan(0, n), new float[n * model.OutputSize], taps);
        }

        // Carriage returns are not shown; other control characters would not be valid in the page.
        string passage = new(validationText.AsSpan(0, n).ToArray().Select(c => c == '\r' ? ' ' : c < ' ' && c != '\n' && c != '\t' ? '·' : c).ToArray());
        string html = Report.Html(new ReportInput(title, summary, curve, passage, taps, model.Taps));
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, html);
        Console.WriteLine($"Wrote the report to {path}.");
    }

    /// <summary>Trains with Adam and clipping; returns false when training diverged (the message is written). Each log line's losses go into <paramref name="curve"/>.</summary>
    private static bool Train<TModel>(TModel model, int[] train, int[] validation, Options options, List<(int Step, double Train, double Valid)> curve)
        where TModel : IRnnModel<int, int>
    {
        const int b = CharLstm.BatchSize, t = CharLstm.SequenceLength;
        var random = new RandomSource((ulong)options.Seed + 1);
        var inputs = new int[b * t];
        var targets = new int[b * t];
        using var adam = new Adam(model.Parameters, options.LearningRate);

        // Everything the run needs to continue: weights, Adam's moments and step count, the batch
        // generator's state, and where the run was.
        var checkpoint = new TrainingCheckpoint().Add("model", model).Add("adam", adam).Add("batches", random);
        string? checkpointPath = options.Checkpoint is null ? null : Path.Combine(options.Checkpoint, "charrnn.checkpoint.safetensors");
        string dataIdentity = Identity(train);
        int first = 1;
        if (checkpointPath is not null)
        {
            Directory.CreateDirectory(options.Checkpoint!);
            try
            {
                if (checkpoint.TryLoad(checkpointPath))
                {
                    if (!checkpoint.Metadata.TryGetValue("data", out string? trained) || trained != dataIdentity)
                    {
                        Console.Error.WriteLine($"The checkpoint {checkpointPath} was made from other training text; use the same --data and --seed, or another --checkpoint directory.");
                        return false;
                    }

                    first = int.Parse(checkpoint.Metadata["step"], CultureInfo.InvariantCulture) + 1;
                    Console.WriteLine($"Resumed from {checkpointPath} after step {first - 1}.");
                }
            }
            catch (WeightFileException e)
            {
                Console.Error.WriteLine($"Cannot resume from {checkpointPath}: {e.Message} (was it made with another --cell?)");
                return false;
            }
        }

        var watch = Stopwatch.StartNew();
        double lossSum = 0;
        int lossCount = 0;
        Console.WriteLine($"Training with Adam (lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}), clipping the gradient norm at {options.Clip.ToString(CultureInfo.InvariantCulture)}.");
        Console.WriteLine("  step   train loss   valid loss   tokens/s   elapsed");

        // Between the log lines, a live line in a terminal (step, loss, rate, time left); plain lines every 30 s when redirected.
        var progress = new TrainingProgress(options.Steps, b * t, budget: TimeSpan.FromMinutes(options.Minutes));
        try
        {
            for (int step = first; step <= options.Steps; step++)
            {
                Batches.Random(train, random, inputs, targets);
                // Divergence: a NaN or an infinity (TrainStep reports it), or a loss far beyond a uniform guess's.
                float loss;
                try
                {
                    loss = model.TrainStep(inputs, targets);
                }
                catch (NonFiniteException e)
                {
                    progress.Complete();
                    return Diverged(step, e.Message, options);
                }

                if (loss > 3 * Math.Log(CharLstm.OutputSize))
                {
                    progress.Complete();
                    return Diverged(step, $"The training loss reached {loss.ToString("G4", CultureInfo.InvariantCulture)} nats per character, more than three times the {Math.Log(CharLstm.OutputSize):F2} of guessing uniformly.", options);
                }

                lossSum += loss;
                lossCount++;
                GradientClipping.ClipByGlobalNorm(model.Parameters, options.Clip);
                if (!adam.Step())
                {
                    progress.WriteLine($"  step {step}: Adam refused an update that would have overflowed ({adam.SkippedSteps} so far).");
                }

                progress.Update(step, loss);

                bool last = step == options.Steps || watch.Elapsed.TotalMinutes >= options.Minutes;
                if (step % options.LogEvery == 0 || last)
                {
                    double seconds = watch.Elapsed.TotalSeconds;
                    double validationLoss = Evaluate(model, validation);
                    progress.WriteLine($"{step,6}   {lossSum / lossCount,10:F4}   {validationLoss,10:F4}   {(step - first + 1) * (double)b * t / seconds,8:N0}   {seconds,6:F1}s");
                    curve.Add((step, lossSum / lossCount, validationLoss));
                    lossSum = 0;
                    lossCount = 0;
                }

                if (checkpointPath is not null && (step % options.CheckpointEvery == 0 || last))
                {
                    checkpoint.Metadata["step"] = step.ToString(CultureInfo.InvariantCulture);
                    checkpoint.Metadata["data"] = dataIdentity;
                    checkpoint.Save(checkpointPath);
                }

                if (last)
                {
                    break;
                }
            }

            return true;
        }
        finally
        {
            progress.Complete();
        }
    }

    private static bool Diverged(int step, string why, Options options)
    {
        Console.Error.WriteLine($"Training diverged at step {step}: {why}");
        Console.Error.WriteLine($"Try a lower --lr (it is {options.LearningRate.ToString(CultureInfo.InvariantCulture)}) or a lower --clip (it is {options.Clip.ToString(CultureInfo.InvariantCulture)}). The weights were not saved.");
        return false;
    }

    /// <summary>The training text's length and a 64-bit FNV-1a hash of its ids: what a checkpoint must continue on.</summary>
    private static string Identity(int[] ids)
    {
        ulong hash = 14695981039346656037UL;
        foreach (int id in ids)
        {
            hash = (hash ^ (uint)id) * 1099511628211UL;
        }

        return $"{ids.Length}:{hash:x16}";
    }

    /// <summary>Mean cross-entropy (nats per character) over up to 8 evenly spaced validation batches.</summary>
    private static double Evaluate<TModel>(TModel model, int[] validation)
        where TModel : IRnnModel<int, int>
    {
        const int b = CharLstm.BatchSize, t = CharLstm.SequenceLength, o = CharLstm.OutputSize;
        var inputs = new int[b * t];
        var targets = new int[b * t];
        var outputs = new float[b * t * o];
        double total = 0;
        int count = 0;
        int windows = (validation.Length - 1) / t;
        int batches = Math.Clamp(windows / b, 1, 8);
        for (int batch = 0; batch < batches; batch++)
        {
            Batches.Sequential(validation, batch * b, inputs, targets);
            model.Forward(inputs, outputs);
            for (int i = 0; i < b * t; i++)
            {
                total += Losses.SoftmaxCrossEntropy(outputs.AsSpan(i * o, o), targets[i]);
                count++;
            }
        }

        return total / count;
    }

    /// <summary>Feeds the prime through a fresh stream, then samples one character at a time.</summary>
    private static string Sample<TModel, TState>(TModel model, Vocabulary vocabulary, string prime, int length, float temperature, int seed)
        where TModel : ITokenStreamingModel<TState>
        where TState : IRecurrentState
    {
        var random = new RandomSource((ulong)seed + 2);
        using TState state = model.NewState();
        var logits = new float[CharLstm.OutputSize];
        var text = new StringBuilder(prime);
        foreach (char c in prime)
        {
            model.Step(state, vocabulary.Encode(c), logits);
        }

        for (int i = 0; i < length; i++)
        {
            int token = Sampling.Sample(logits, temperature, random);
            text.Append(vocabulary.Decode(token));
            model.Step(state, token, logits);
        }

        return text.ToString();
    }

    private static string EmbeddedCorpus()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var text = new StringBuilder();
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("corpus/", StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            text.Append(reader.ReadToEnd().Replace("\r\n", "\n")).Append('\n');
        }

        return text.ToString();
    }
}
