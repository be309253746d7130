using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using RnnGen;
using RnnGen.Optimizers;

namespace Seq2Seq;

/// <summary>
/// Grapheme-to-phoneme conversion with an encoder–decoder: two LSTMs read the spelling (forwards and
/// backwards), a two-layer LSTM writes the phonemes while attending over their outputs, starting from
/// the forward one's final state.
/// Both train together (the decoder's memory and initial-state gradients drive the encoder's
/// backward pass); words are decoded with beam search and scored by word and phoneme error rate.
/// </summary>
public static class Program
{
    private const string Usage = """
        Seq2Seq: grapheme-to-phoneme conversion (encoder–decoder with attention, beam search).

        Usage: dotnet run --project samples/Seq2Seq -c Release -- [options]

          --data FILE     a CMU Pronouncing Dictionary file (default: a fifth of it, shipped with the sample)
          --epochs N      passes over the training words (default 15)
          --minutes M     stop training after M minutes, whichever comes first (default 30)
          --lr X          Adam learning rate (default 0.002), halved whenever an epoch does not lower the loss on the
                          watched words; training stops once it has been halved ten times
          --beam W        beam width for the test words (default 5; 1 is greedy)
          --test N        words held out for the test (default 2000)
          --watch N       words held out to watch training by (default 1000)
          --length-penalty A  the beam's length normalisation: log p / length^A (default 1)
          --seed N        seed for the split, initialisation and shuffling (default 1)
          --save DIR      after training, write the three models' weights to DIR (safetensors)
          --load DIR      skip training and score the weights saved in DIR (use the --data, --seed,
                          --test and --watch of the run that saved them, so the test words stay held out)
          --checkpoint DIR  keep a checkpoint of the training run in DIR and resume from it: a run stopped
                          at any point (even killed) continues exactly where it was (same options)
          --checkpoint-every N  batches between checkpoints (default 50; also at the end of every epoch)
          --threads N     threads per model (default: the cores, at most 2; the results are the same bits)
          --report FILE   write an HTML page of the decoder's attention (letters × phonemes) on 8 held-out words
        """;

    private const int B = PhonemeDecoder.BatchSize, Ts = SpellingEncoder.SequenceLength, Tp = PhonemeDecoder.SequenceLength;
    private const int Hidden = 128, Memory = PhonemeDecoder.MemorySize, Half = SpellingEncoder.OutputSize;
    private const string ForwardsFile = "encoder-forwards.safetensors", BackwardsFile = "encoder-backwards.safetensors", DecoderFile = "decoder.safetensors";

    public static int Main(string[] args)
    {
        string? data = null;
        int epochs = 15, beamWidth = 5, testCount = 2000, watchCount = 1000, seed = 1;
        double minutes = 30, lengthPenalty = 1;
        string? save = null, load = null, checkpointDirectory = null, report = null;
        int checkpointEvery = 50;
        int? threadCount = null;
        float lr = 0.002f;
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

                string value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
                switch (name)
                {
                    case "--data": data = value; break;
                    case "--epochs": epochs = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--minutes": minutes = double.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--lr": lr = float.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--beam": beamWidth = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--test": testCount = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--watch": watchCount = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--seed": seed = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--length-penalty": lengthPenalty = double.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--save": save = value; break;
                    case "--load": load = value; break;
                    case "--checkpoint": checkpointDirectory = value; break;
                    case "--checkpoint-every": checkpointEvery = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--threads": threadCount = Math.Clamp(int.Parse(value, CultureInfo.InvariantCulture), 1, 64); break;
                    case "--report": report = value.Length > 0 ? value : throw new ArgumentException("--report needs a file name."); break;
                    default: throw new ArgumentException($"Unknown option {name}.");
                }
            }

            if (epochs < 1 || !(minutes > 0) || !(lr > 0) || beamWidth < 1 || testCount < 1 || watchCount < 1 || checkpointEvery < 1)
            {
                throw new ArgumentException("--epochs, --minutes, --lr, --beam, --test, --watch and --checkpoint-every must be positive.");
            }

            if (!(lengthPenalty >= 0 && lengthPenalty <= 5))
            {
                throw new ArgumentException("--length-penalty must be in [0, 5].");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        List<Entry> entries;
        try
        {
            entries = data is null ? Pronunciations.ReadShipped() : Pronunciations.Read(data);
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        if (entries.Count < testCount + watchCount + 1000)
        {
            Console.Error.WriteLine($"{entries.Count:N0} usable words: need at least {testCount + watchCount + 1000:N0} (the test set, the watched words and 1,000 to train on).");
            return 2;
        }

        var random = new Random(seed);
        entries = [.. entries.OrderBy(_ => random.Next())];
        var test = entries[..testCount];
        var dev = entries[testCount..(testCount + watchCount)];
        var train = entries[(testCount + watchCount)..];
        Console.WriteLine($"Data: {data ?? "a fifth of the CMU Pronouncing Dictionary (shipped)"}; {entries.Count:N0} words: {train.Count:N0} to train on (their first pronunciation), {dev.Count:N0} to watch, {test.Count:N0} held out.");

        int threads = threadCount ?? Math.Min(Environment.ProcessorCount, 2);
        using var encoder = new Encoder(new SpellingEncoder(seed) { Threads = threads }, new SpellingEncoder(seed + 2) { Threads = threads });
        using var decoder = new PhonemeDecoder(seed + 1) { Threads = threads };
        Console.WriteLine($"Model: letters → LSTM {Hidden} forwards and LSTM {Hidden} backwards → 2×{Half}-wide memory; phonemes → {PhonemeDecoder.LayerCount} stacked LSTMs of {Hidden} (the first from the forward encoder's final state), additive attention over the memory → 40 phoneme tokens; {(2 * SpellingEncoder.ParameterCount) + PhonemeDecoder.ParameterCount:N0} parameters.");
        Console.WriteLine();

        if (load is not null)
        {
            try
            {
                encoder.Forwards.Load(System.IO.Path.Combine(load, ForwardsFile));
                encoder.Backwards.Load(System.IO.Path.Combine(load, BackwardsFile));
                decoder.Load(System.IO.Path.Combine(load, DecoderFile));
            }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }

            Console.WriteLine($"Loaded the weights in {load}; no training.");
            epochs = 0;
        }

        var batch = new Batch();
        var parameters = encoder.Forwards.Parameters.Concat(encoder.Backwards.Parameters).Concat(decoder.Parameters).ToArray();
        using var adam = new Adam(parameters, lr);
        var order = Enumerable.Range(0, train.Count).ToArray();

        // A checkpoint holds the three models (weights and dropout positions), Adam, and where the run
        // is: the epoch, the next batch and the epoch's running loss. The data order is a function of
        // the seed and the epoch, so it is replayed rather than saved.
        var checkpoint = new TrainingCheckpoint().Add("forwards", encoder.Forwards).Add("backwards", encoder.Backwards).Add("decoder", decoder).Add("adam", adam);
        string? checkpointPath = checkpointDirectory is null || epochs == 0 ? null : System.IO.Path.Combine(checkpointDirectory, "seq2seq.checkpoint.safetensors");
        int firstEpoch = 1, firstStart = 0, resumedBatches = 0;
        double resumedLoss = 0, bestLoss = double.PositiveInfinity;
        if (checkpointPath is not null)
        {
            System.IO.Directory.CreateDirectory(checkpointDirectory!);
            try
            {
                if (checkpoint.TryLoad(checkpointPath))
                {
                    if (!checkpoint.Metadata.TryGetValue("words", out string? words) || words != train.Count.ToString(CultureInfo.InvariantCulture))
                    {
                        Console.Error.WriteLine($"The checkpoint {checkpointPath} was made with other data; use the same --data, --seed, --test and --watch, or another --checkpoint directory.");
                        return 1;
                    }

                    firstEpoch = int.Parse(checkpoint.Metadata["epoch"], CultureInfo.InvariantCulture);
                    firstStart = int.Parse(checkpoint.Metadata["start"], CultureInfo.InvariantCulture);
                    resumedBatches = int.Parse(checkpoint.Metadata["batches"], CultureInfo.InvariantCulture);
                    resumedLoss = double.Parse(checkpoint.Metadata["loss"], CultureInfo.InvariantCulture);
                    bestLoss = double.Parse(checkpoint.Metadata["best"], CultureInfo.InvariantCulture);
                    Console.WriteLine($"Resumed from {checkpointPath}: epoch {firstEpoch}, word {firstStart:N0}.");
                }
            }
            catch (WeightFileException e)
            {
                Console.Error.WriteLine($"Cannot resume from {checkpointPath}: {e.Message}");
                return 1;
            }
        }

        void SaveCheckpoint(int epoch, int start, double loss, int batches)
        {
            if (checkpointPath is null)
            {
                return;
            }

            checkpoint.Metadata["words"] = train.Count.ToString(CultureInfo.InvariantCulture);
            checkpoint.Metadata["epoch"] = epoch.ToString(CultureInfo.InvariantCulture);
            checkpoint.Metadata["start"] = start.ToString(CultureInfo.InvariantCulture);
            checkpoint.Metadata["batches"] = batches.ToString(CultureInfo.InvariantCulture);
            checkpoint.Metadata["loss"] = loss.ToString("R", CultureInfo.InvariantCulture);
            checkpoint.Metadata["best"] = bestLoss.ToString("R", CultureInfo.InvariantCulture);
            checkpoint.Save(checkpointPath);
        }

        // Replay the shuffles of the epochs already done, so this epoch's order is the one it had.
        for (int epoch = 1; epoch < firstEpoch; epoch++)
        {
            random.Shuffle(order);
        }

        var watch = Stopwatch.StartNew();
        Console.WriteLine("epoch   train loss   watched: loss   greedy WER   elapsed");

        // The live line: step (batch) and loss within the run, and the time left (a terminal updates it in
        // place; a redirected run writes it every 30 s). The run's own lines go through it.
        int batchesPerEpoch = (order.Length + B - 1) / B;
        var progress = new TrainingProgress((long)epochs * batchesPerEpoch, budget: TimeSpan.FromMinutes(minutes));
        bool outOfTime = false;
        for (int epoch = firstEpoch; epoch <= epochs && !outOfTime; epoch++)
        {
            random.Shuffle(order);
            bool resumed = epoch == firstEpoch;
            double loss = resumed ? resumedLoss : 0;
            int batches = resumed ? resumedBatches : 0;
            for (int start = resumed ? firstStart : 0; start < order.Length; start += B)
            {
                batch.Fill(train, order, start);
                // Divergence: a NaN or an infinity (TrainStep reports it), or a loss far beyond a uniform guess's.
                string? diverged = null;
                try
                {
                    float stepLoss = TrainStep(encoder, decoder, batch);
                    loss += stepLoss;
                    if (stepLoss > 3 * Math.Log(PhonemeDecoder.OutputSize))
                    {
                        diverged = $"The training loss reached {stepLoss.ToString("G4", CultureInfo.InvariantCulture)} nats per phoneme, more than three times the {Math.Log(PhonemeDecoder.OutputSize):F2} of guessing uniformly.";
                    }
                }
                catch (NonFiniteException e)
                {
                    diverged = e.Message;
                }

                if (diverged is not null)
                {
                    progress.Complete();
                    Console.Error.WriteLine($"Training diverged in epoch {epoch}: {diverged}");
                    Console.Error.WriteLine($"Try a lower --lr (it is {lr.ToString(CultureInfo.InvariantCulture)}). The weights were not saved.");
                    return 1;
                }

                GradientClipping.ClipByGlobalNorm(parameters, 5f);
                if (!adam.Step())
                {
                    progress.WriteLine($"  Adam refused an update that would have overflowed ({adam.SkippedSteps} so far).");
                }

                batches++;
                progress.Update(((long)(epoch - 1) * batchesPerEpoch) + (start / B) + 1, loss / batches);
                if (batches % checkpointEvery == 0)
                {
                    SaveCheckpoint(epoch, start + B, loss, batches);
                }

                if (watch.Elapsed.TotalMinutes >= minutes)
                {
                    outOfTime = true;
                    break;
                }
            }

            double watchedLoss = WatchedLoss(encoder, decoder, dev);
            var (wer, _, _) = Score(encoder, decoder, dev, beamWidth: 1, lengthPenalty: 0);
            progress.WriteLine($"  {epoch,2}     {loss / batches,7:F4}         {watchedLoss,7:F4}      {wer,6:P1}   {watch.Elapsed.TotalSeconds,6:F0}s   lr {adam.LearningRate.ToString("G3", CultureInfo.InvariantCulture)}{(outOfTime ? " (time limit)" : "")}");

            // Reduce on plateau: halve the learning rate when the loss on the watched words (teacher
            // forced, without dropout) stops falling. It is far less noisy than their error rate.
            if (watchedLoss >= bestLoss)
            {
                adam.LearningRate *= 0.5f;
            }

            bestLoss = Math.Min(bestLoss, watchedLoss);
            SaveCheckpoint(epoch + 1, 0, 0, 0);
            if (adam.LearningRate < lr / 1000)
            {
                // Halved ten times: the steps left are too small to change the predictions.
                progress.WriteLine("  converged: the learning rate has been halved ten times.");
                break;
            }
        }

        progress.Complete();
        if (save is not null)
        {
            System.IO.Directory.CreateDirectory(save);
            encoder.Forwards.Save(System.IO.Path.Combine(save, ForwardsFile));
            encoder.Backwards.Save(System.IO.Path.Combine(save, BackwardsFile));
            decoder.Save(System.IO.Path.Combine(save, DecoderFile));
            Console.WriteLine($"Saved the weights to {save}.");
        }

        Console.WriteLine();
        var greedy = Score(encoder, decoder, test, beamWidth: 1, lengthPenalty);
        var beam = Score(encoder, decoder, test, beamWidth, lengthPenalty);
        Console.WriteLine($"Held-out words ({test.Count:N0}): greedy WER {greedy.Wer:P1}, PER {greedy.Per:P1}; beam search (width {beamWidth}, length penalty {lengthPenalty.ToString(CultureInfo.InvariantCulture)}) WER {beam.Wer:P1}, PER {beam.Per:P1}.");
        Console.WriteLine();
        foreach (var (word, predicted) in beam.Examples.Take(8))
        {
            string reference = string.Join(' ', test.First(e => e.Word == word).Pronunciations[0].Select(t => Pronunciations.Phonemes[t - 1]));
            Console.WriteLine($"  {word,-14} {predicted,-28} (dictionary: {reference})");
        }

        if (report is not null)
        {
            var maps = AttentionMaps(encoder, decoder, test.Take(8).ToList());
            string summary = $"Letters → LSTM {Hidden} forwards and backwards → attention → phonemes; held-out words ({test.Count:N0}): greedy WER {greedy.Wer:P1}, beam search WER {beam.Wer:P1}.";
            string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(report));
            if (directory is not null)
            {
                System.IO.Directory.CreateDirectory(directory);
            }

            System.IO.File.WriteAllText(report, AttentionReport.Html("Grapheme-to-phoneme attention", summary, maps));
            Console.WriteLine();
            Console.WriteLine($"Wrote the attention maps of {maps.Count} held-out words to {report}.");
        }

        return 0;
    }

    /// <summary>
    /// One step of the three models: the encoders' forward passes; the decoder's training step with
    /// their outputs as its memory and the forward encoder's final state as its initial state (teacher
    /// forcing); then the encoders' backward passes from the decoder's memory and initial-state gradients.
    /// </summary>
    private static float TrainStep(Encoder encoder, PhonemeDecoder decoder, Batch batch)
    {
        encoder.Encode(batch, decoder, training: true);
        float loss = decoder.TrainStep(batch.DecoderInputs, batch.DecoderLengths, batch.DecoderTargets);
        encoder.Backward(batch, decoder);
        return loss;
    }

    /// <summary>The decoder's mean loss per phoneme on the words, teacher forced, without dropout.</summary>
    private static double WatchedLoss(Encoder encoder, PhonemeDecoder decoder, List<Entry> words)
    {
        var batch = new Batch();
        var order = Enumerable.Range(0, words.Count).ToArray();
        double total = 0;
        long rows = 0;
        for (int start = 0; start < words.Count; start += B)
        {
            batch.Fill(words, order, start);
            encoder.Encode(batch, decoder, training: false);
            int real = batch.DecoderLengths.Sum();
            total += decoder.Evaluate(batch.DecoderInputs, batch.DecoderLengths, batch.DecoderTargets) * real;
            rows += real;
        }

        return total / rows;
    }

    /// <summary>
    /// The decoder's attention over each word's letters at each phoneme of its first pronunciation (teacher
    /// forced, as the loss is measured), from one forward pass of the three models over the words.
    /// </summary>
    private static List<AttentionMap> AttentionMaps(Encoder encoder, PhonemeDecoder decoder, List<Entry> words)
    {
        var batch = new Batch();
        batch.Fill(words, [.. Enumerable.Range(0, words.Count)], 0);
        encoder.Encode(batch, decoder, training: false);
        decoder.Forward(batch.DecoderInputs, batch.DecoderLengths, new float[B * Tp * PhonemeDecoder.OutputSize]);
        var maps = new List<AttentionMap>();
        for (int b = 0; b < Math.Min(words.Count, B); b++)
        {
            int rows = batch.DecoderLengths[b], columns = batch.LetterLengths[b];
            var weights = new float[rows, columns];
            for (int t = 0; t < rows; t++)
            {
                var row = decoder.AttentionWeights(b, t);
                for (int j = 0; j < columns; j++)
                {
                    weights[t, j] = row[j];
                }
            }

            string[] phonemes = [.. words[b].Pronunciations[0].Select(p => Pronunciations.Phonemes[p - 1]), "·"];
            maps.Add(new AttentionMap(words[b].Word, phonemes, weights));
        }

        return maps;
    }

    /// <summary>Word error rate, phoneme error rate (edit distance to the closest pronunciation), and predictions.</summary>
    private static (double Wer, double Per, List<(string Word, string Predicted)> Examples) Score(Encoder encoder, PhonemeDecoder decoder, List<Entry> words, int beamWidth, double lengthPenalty)
    {
        var batch = new Batch();
        var order = Enumerable.Range(0, words.Count).ToArray();
        using var state = decoder.NewState();
        using var search = new BeamSearch<PhonemeDecoder.State>(decoder, PhonemeDecoder.OutputSize, beamWidth, maxLength: Tp) { LengthPenalty = lengthPenalty };
        var output = new int[Tp];
        var examples = new List<(string, string)>();
        int wrong = 0, edits = 0, phonemes = 0;
        for (int start = 0; start < words.Count; start += B)
        {
            batch.Fill(words, order, start);
            encoder.Encode(batch, decoder: null, training: false);
            for (int b = 0; b < B && start + b < words.Count; b++)
            {
                decoder.SetMemory(state, batch.Memory.AsSpan(b * Ts * Memory, Ts * Memory), batch.LetterLengths[b]);
                encoder.Forwards.FinalHidden(0).Slice(b * Hidden, Hidden).CopyTo(state.Hidden(0));
                encoder.Forwards.FinalCell(0).Slice(b * Hidden, Hidden).CopyTo(state.Cell(0));
                for (int layer = 1; layer < PhonemeDecoder.LayerCount; layer++)
                {
                    state.Hidden(layer).Clear();
                    state.Cell(layer).Clear();
                }
                int n = search.Search(state, start: 0, end: 0, output, out _);
                int[] predicted = [.. output.Take(n).TakeWhile(t => t != 0)];
                var entry = words[start + b];
                int best = int.MaxValue, referenceLength = 0;
                foreach (int[] reference in entry.Pronunciations)
                {
                    int d = EditDistance(predicted, reference);
                    if (d < best)
                    {
                        best = d;
                        referenceLength = reference.Length;
                    }
                }

                wrong += best == 0 ? 0 : 1;
                edits += best;
                phonemes += referenceLength;
                examples.Add((entry.Word, string.Join(' ', predicted.Select(t => Pronunciations.Phonemes[t - 1]))));
            }
        }

        return (wrong / (double)words.Count, edits / (double)phonemes, examples);
    }

    private static int EditDistance(int[] a, int[] b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>One batch of words: letters for the encoder; "·phonemes" in and "phonemes·" out for the decoder.</summary>
    private sealed class Batch
    {
        public int[] Letters { get; } = new int[B * Ts];

        public int[] LetterLengths { get; } = new int[B];

        public int[] ReversedLetters { get; } = new int[B * Ts];

        public float[] Forwards { get; } = new float[B * Ts * Half];

        public float[] Backwards { get; } = new float[B * Ts * Half];

        /// <summary>[B, Ts, 2·Half]: [forward_j ; backward_j], zero past each word's length.</summary>
        public float[] Memory { get; } = new float[B * Ts * Program.Memory];

        public float[] ForwardGradient { get; } = new float[B * Ts * Half];

        public float[] BackwardGradient { get; } = new float[B * Ts * Half];

        public int[] DecoderInputs { get; } = new int[B * Tp];

        public int[] DecoderTargets { get; } = new int[B * Tp];

        public int[] DecoderLengths { get; } = new int[B];

        /// <summary>Entries [start, start + B) of the order (their first pronunciation); past the end, entries of length 0.</summary>
        public void Fill(List<Entry> entries, int[] order, int start)
        {
            Array.Clear(Letters);
            Array.Clear(ReversedLetters);
            Array.Clear(DecoderInputs);
            Array.Fill(DecoderTargets, -1); // padding: never read
            for (int b = 0; b < B; b++)
            {
                if (start + b >= order.Length)
                {
                    LetterLengths[b] = 0;
                    DecoderLengths[b] = 0;
                    continue;
                }

                var entry = entries[order[start + b]];
                int n = entry.Word.Length;
                LetterLengths[b] = n;
                for (int i = 0; i < n; i++)
                {
                    Letters[(b * Ts) + i] = Pronunciations.Letter(entry.Word[i]);
                    ReversedLetters[(b * Ts) + n - 1 - i] = Letters[(b * Ts) + i];
                }

                int[] phonemes = entry.Pronunciations[0];
                DecoderLengths[b] = phonemes.Length + 1;
                DecoderInputs[b * Tp] = 0;
                for (int i = 0; i < phonemes.Length; i++)
                {
                    DecoderInputs[(b * Tp) + i + 1] = phonemes[i];
                    DecoderTargets[(b * Tp) + i] = phonemes[i];
                }

                DecoderTargets[(b * Tp) + phonemes.Length] = 0;
            }
        }
    }

    /// <summary>A bidirectional encoder made of two models: one reads each word forwards, the other backwards.</summary>
    private sealed class Encoder(SpellingEncoder forwards, SpellingEncoder backwards) : IDisposable
    {
        public SpellingEncoder Forwards { get; } = forwards;

        public SpellingEncoder Backwards { get; } = backwards;

        /// <summary>
        /// Runs both encoders and lays their outputs side by side, aligned by letter: memory[b, j] =
        /// [forwards[b, j] ; backwards[b, n − 1 − j]]. With a decoder, hands it the memory, the lengths and
        /// the forward encoder's final state. A training pass applies the encoders' dropout.
        /// </summary>
        public void Encode(Batch batch, PhonemeDecoder? decoder, bool training)
        {
            Forwards.Training = Backwards.Training = training;
            Forwards.Forward(batch.Letters, batch.LetterLengths, batch.Forwards);
            Backwards.Forward(batch.ReversedLetters, batch.LetterLengths, batch.Backwards);
            Array.Clear(batch.Memory);
            for (int b = 0; b < B; b++)
            {
                int n = batch.LetterLengths[b];
                for (int j = 0; j < n; j++)
                {
                    var row = batch.Memory.AsSpan(((b * Ts) + j) * Program.Memory, Program.Memory);
                    batch.Forwards.AsSpan(((b * Ts) + j) * Half, Half).CopyTo(row);
                    batch.Backwards.AsSpan(((b * Ts) + n - 1 - j) * Half, Half).CopyTo(row[Half..]);
                }
            }

            if (decoder is null)
            {
                return;
            }

            batch.Memory.CopyTo(decoder.Memory);
            for (int b = 0; b < B; b++)
            {
                decoder.MemoryLengths[b] = Math.Max(1, batch.LetterLengths[b]); // an empty entry attends to one zero row
            }

            Forwards.FinalHidden(0).CopyTo(decoder.InitialHidden(0));
            Forwards.FinalCell(0).CopyTo(decoder.InitialCell(0));
        }

        /// <summary>Splits d(loss)/d(memory) between the encoders (undoing the alignment) and backpropagates each.</summary>
        public void Backward(Batch batch, PhonemeDecoder decoder)
        {
            var gradient = decoder.MemoryGradient;
            Array.Clear(batch.ForwardGradient);
            Array.Clear(batch.BackwardGradient);
            for (int b = 0; b < B; b++)
            {
                int n = batch.LetterLengths[b];
                for (int j = 0; j < n; j++)
                {
                    var row = gradient.Slice(((b * Ts) + j) * Program.Memory, Program.Memory);
                    row[..Half].CopyTo(batch.ForwardGradient.AsSpan(((b * Ts) + j) * Half, Half));
                    row[Half..].CopyTo(batch.BackwardGradient.AsSpan(((b * Ts) + n - 1 - j) * Half, Half));
                }
            }

            decoder.InitialHiddenGradient(0).CopyTo(Forwards.FinalHiddenGradient(0));
            decoder.InitialCellGradient(0).CopyTo(Forwards.FinalCellGradient(0));
            Forwards.Backward(batch.ForwardGradient);
            Backwards.Backward(batch.BackwardGradient);
        }

        public void Dispose()
        {
            Forwards.Dispose();
            Backwards.Dispose();
        }
    }
}
