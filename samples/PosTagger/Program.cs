using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using RnnGen;
using RnnGen.Optimizers;

namespace PosTagger;

/// <summary>
/// Synced many-to-many: one part-of-speech tag per word. Trains the Embedding → LSTM → Dense tagger
/// on sentences of different lengths, compares it with the most-frequent-tag baseline on held-out
/// sentences (overall, and on the words that are both nouns and verbs), and tags example sentences.
/// </summary>
public static class Program
{
    private const string Usage = """
        PosTagger: a part-of-speech tagger (Embedding → LSTM → Dense at every word).

        Usage: dotnet run --project samples/PosTagger -c Release -- [options]

          --data FILE     one sentence per line, tokens "word/TAG" with UPOS tags (default: generated sentences)
          --epochs N      passes over the training set (default 5)
          --lr X          Adam learning rate (default 0.005)
          --seed N        seed for data, initialisation and shuffling (default 1)
          --report FILE   write an HTML page: held-out sentences tagged, each tag coloured by its probability
        """;

    private const int T = Tagger.SequenceLength, B = Tagger.BatchSize, Tags = Tagger.OutputSize;

    public static int Main(string[] args)
    {
        string? data = null, report = null;
        int epochs = 5, seed = 1;
        float lr = 0.005f;
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
                    case "--lr": lr = float.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--seed": seed = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--report": report = value.Length > 0 ? value : throw new ArgumentException("--report needs a file name."); break;
                    default: throw new ArgumentException($"Unknown option {name}.");
                }
            }

            if (epochs < 1 || !(lr > 0))
            {
                throw new ArgumentException("--epochs must be positive and --lr greater than 0.");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var random = new Random(seed);
        List<TaggedSentence> train, test;
        if (data is null)
        {
            train = Corpus.Generate(4000, random);
            test = Corpus.Generate(1000, random);
            Console.WriteLine("Data: 4,000 generated tagged sentences for training, 1,000 more held out.");
        }
        else
        {
            List<TaggedSentence> all;
            try
            {
                all = Corpus.Read(data);
            }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException or System.IO.InvalidDataException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }

            all = [.. all.OrderBy(_ => random.Next())];
            int split = all.Count * 9 / 10;
            (train, test) = (all[..split], all[split..]);
            Console.WriteLine($"Data: {data}, {all.Count:N0} sentences ({train.Count:N0} train, {test.Count:N0} held out).");
            if (train.Count == 0 || test.Count == 0)
            {
                Console.Error.WriteLine("The file needs at least 10 sentences.");
                return 2;
            }
        }

        int truncated = train.Concat(test).Count(s => s.Words.Length > T);
        if (truncated > 0)
        {
            Console.WriteLine($"{truncated:N0} sentences are longer than {T} words; only their first {T} words are tagged.");
        }

        var words = new WordIds(train, Tagger.InputSize);
        Func<string, bool> ambiguous = data is null ? Corpus.IsAmbiguous : AmbiguousIn(train);
        var (baseline, baselineAmbiguous) = Score(test, ambiguous, MostFrequentTagger(train));
        Console.WriteLine($"Vocabulary: {words.Count:N0} words. Model: Embedding {Tagger.InputSize}×32 → LSTM 64 → Dense {Tags}, {Tagger.ParameterCount:N0} parameters.");
        Console.WriteLine($"Baseline (each word's most frequent training tag): {baseline:P1} of held-out words, {baselineAmbiguous:P1} of ambiguous ones.");
        Console.WriteLine();

        using var tagger = new Tagger(seed);
        var inputs = new int[B * T];
        var lengths = new int[B];
        var targets = new int[B * T];
        var order = Enumerable.Range(0, train.Count).ToArray();
        var shuffle = new Random(seed + 1);
        using var adam = new Adam(tagger.Parameters, lr);
        var watch = Stopwatch.StartNew();
        Console.WriteLine("epoch   train loss   held-out accuracy (all / ambiguous words)");
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            shuffle.Shuffle(order);
            double loss = 0;
            int batches = 0;
            for (int start = 0; start < order.Length; start += B)
            {
                Fill(train, order, start, words, inputs, lengths, targets);
                try
                {
                    float stepLoss = tagger.TrainStep(inputs, lengths, targets);
                    DivergedException.Check(stepLoss, Tags);
                    loss += stepLoss;
                }
                catch (Exception e) when (e is NonFiniteException or DivergedException)
                {
                    Console.Error.WriteLine($"Training diverged in epoch {epoch}: {e.Message}");
                    Console.Error.WriteLine($"Try a lower --lr (it is {lr.ToString(CultureInfo.InvariantCulture)}).");
                    return 1;
                }

                GradientClipping.ClipByGlobalNorm(tagger.Parameters, 5f);
                adam.Step();
                batches++;
            }

            var (all, hard) = Score(test, ambiguous, TagWith(tagger, words));
            Console.WriteLine($"  {epoch,2}     {loss / batches,7:F4}      {all,6:P1} / {hard,6:P1}   {watch.Elapsed.TotalSeconds,5:F1}s");
        }

        Console.WriteLine();
        string[] examples = data is null
            ? ["they fish near the old duck .", "the fish can duck .", "we saw the saw in the park and they park the boat ."]
            : [.. test.Take(3).Select(s => string.Join(' ', s.Words))];
        var tag = TagWith(tagger, words);
        foreach (string example in examples)
        {
            string[] sentence = example.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int[] tags = tag([sentence])[0];
            Console.WriteLine("  " + string.Join(' ', sentence.Zip(tags, (w, t) => $"{w}/{Corpus.Tags[t]}")));
        }

        if (report is not null)
        {
            var shown = test.Take(12).ToList();
            WriteReport(tagger, words, shown, report);
            Console.WriteLine();
            Console.WriteLine($"Wrote {shown.Count} held-out sentences, tagged and coloured by confidence, to {report}.");
        }

        return 0;
    }

    /// <summary>
    /// The report: each word of each sentence with the tag the model gives it, shaded by that tag's
    /// probability (softmax of the outputs); a wrong tag is outlined and the right one shown.
    /// </summary>
    private static void WriteReport(Tagger tagger, WordIds words, List<TaggedSentence> sentences, string path)
    {
        var html = SampleReports.ReportPage.Begin("Part-of-speech tags and their confidence",
            $"Embedding → LSTM 64 → Dense {Tags} (UPOS tags), {sentences.Count} held-out sentences tagged with one batched Forward.",
            ".sentence { display: flex; flex-wrap: wrap; gap: 0.3em; margin: 0.8em 0; }\n.word { display: inline-flex; flex-direction: column; align-items: center; padding: 0.2em 0.35em; border-radius: 3px; }\n.word small { font-size: 0.7em; }\n.wrong { outline: 2px solid #d62728; }\n");
        html.Append("<section id=\"tags\">\n<p class=\"note\">Each word shows its predicted tag; the green is the model's probability for it (white: a guess, full green: certain). A red outline marks a wrong tag, with the right one after it.</p>\n");
        var inputs = new int[B * T];
        var lengths = new int[B];
        var outputs = new float[B * T * Tags];
        var probabilities = new float[Tags];
        for (int start = 0; start < sentences.Count; start += B)
        {
            var order = Enumerable.Range(0, sentences.Count).ToArray();
            Fill(sentences, order, start, words, inputs, lengths, new int[B * T]);
            tagger.Forward(inputs, lengths, outputs);
            for (int b = 0; b < B && start + b < sentences.Count; b++)
            {
                var sentence = sentences[start + b];
                html.Append("<div class=\"sentence\">");
                for (int t = 0; t < lengths[b]; t++)
                {
                    // Softmax of the step's outputs: exp(o − max) / Σ exp(o − max).
                    var logits = outputs.AsSpan(((b * T) + t) * Tags, Tags);
                    int tag = Sampling.Argmax(logits);
                    double sum = 0;
                    for (int k = 0; k < Tags; k++)
                    {
                        probabilities[k] = (float)Math.Exp(logits[k] - logits[tag]);
                        sum += probabilities[k];
                    }

                    probabilities[tag] = (float)(1 / sum);
                    bool right = tag == sentence.Tags[t];
                    string label = right ? Corpus.Tags[tag] : $"{Corpus.Tags[tag]} (not {Corpus.Tags[sentence.Tags[t]]})";
                    html.Append(SampleReports.ReportPage.Invariant($"<span class=\"word{(right ? "" : " wrong")}\" style=\"background: rgba(44, 160, 44, {probabilities[tag]:F2})\" title=\"P = {probabilities[tag]:F3}\">{SampleReports.ReportPage.Escape(sentence.Words[t])}<small>{SampleReports.ReportPage.Escape(label)}</small></span>"));
                }

                html.Append("</div>\n");
            }
        }

        html.Append("</section>\n");
        SampleReports.ReportPage.Write(html, path);
    }

    /// <summary>Batch entries [start, start + B) of the order, padded with entries of length 0.</summary>
    private static void Fill(List<TaggedSentence> sentences, int[] order, int start, WordIds words, int[] inputs, int[] lengths, int[] targets)
    {
        Array.Clear(inputs);
        Array.Fill(targets, -1); // padding: never read
        for (int b = 0; b < B && start + b < order.Length; b++)
        {
            TaggedSentence s = sentences[order[start + b]];
            lengths[b] = Math.Min(T, s.Words.Length);
            for (int t = 0; t < lengths[b]; t++)
            {
                inputs[(b * T) + t] = words[s.Words[t]];
                targets[(b * T) + t] = s.Tags[t];
            }
        }

        for (int b = Math.Max(0, order.Length - start); b < B; b++)
        {
            lengths[b] = 0;
        }
    }

    /// <summary>Tags sentences a batch at a time with the model's batched Forward.</summary>
    private static Func<IReadOnlyList<string[]>, int[][]> TagWith(Tagger tagger, WordIds words) => sentences =>
    {
        var inputs = new int[B * T];
        var lengths = new int[B];
        var outputs = new float[B * T * Tags];
        var result = new int[sentences.Count][];
        for (int start = 0; start < sentences.Count; start += B)
        {
            Array.Clear(inputs);
            Array.Clear(lengths);
            for (int b = 0; b < B && start + b < sentences.Count; b++)
            {
                string[] s = sentences[start + b];
                lengths[b] = Math.Min(T, s.Length);
                for (int t = 0; t < lengths[b]; t++)
                {
                    inputs[(b * T) + t] = words[s[t]];
                }
            }

            tagger.Forward(inputs, lengths, outputs);
            for (int b = 0; b < B && start + b < sentences.Count; b++)
            {
                result[start + b] = new int[lengths[b]];
                for (int t = 0; t < lengths[b]; t++)
                {
                    result[start + b][t] = Sampling.Argmax(outputs.AsSpan(((b * T) + t) * Tags, Tags));
                }
            }
        }

        return result;
    };

    /// <summary>The baseline: each word's most frequent training tag; NOUN for unseen words.</summary>
    private static Func<IReadOnlyList<string[]>, int[][]> MostFrequentTagger(List<TaggedSentence> train)
    {
        var best = train.SelectMany(s => s.Words.Zip(s.Tags)).GroupBy(p => p.First, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.GroupBy(p => p.Second).OrderByDescending(t => t.Count()).ThenBy(t => t.Key).First().Key, StringComparer.Ordinal);
        int noun = Array.IndexOf(Corpus.Tags, "NOUN");
        return sentences => [.. sentences.Select(s => s.Take(T).Select(w => best.TryGetValue(w, out int tag) ? tag : noun).ToArray())];
    }

    /// <summary>For data read from a file: the words seen with more than one tag in training.</summary>
    private static Func<string, bool> AmbiguousIn(List<TaggedSentence> train)
    {
        var many = train.SelectMany(s => s.Words.Zip(s.Tags)).GroupBy(p => p.First, StringComparer.Ordinal)
            .Where(g => g.Select(p => p.Second).Distinct().Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        return many.Contains;
    }

    /// <summary>Token accuracy over the tagged (first T) words, and over the ambiguous ones.</summary>
    private static (double All, double Ambiguous) Score(List<TaggedSentence> test, Func<string, bool> ambiguous, Func<IReadOnlyList<string[]>, int[][]> tag)
    {
        int[][] predicted = tag([.. test.Select(s => s.Words)]);
        int total = 0, right = 0, hard = 0, hardRight = 0;
        for (int i = 0; i < test.Count; i++)
        {
            for (int t = 0; t < predicted[i].Length; t++)
            {
                bool correct = predicted[i][t] == test[i].Tags[t];
                total++;
                right += correct ? 1 : 0;
                if (ambiguous(test[i].Words[t]))
                {
                    hard++;
                    hardRight += correct ? 1 : 0;
                }
            }
        }

        return (right / (double)total, hard == 0 ? double.NaN : hardRight / (double)hard);
    }
}

/// <summary>The training loss left any sensible range: far above what guessing uniformly gives.</summary>
internal sealed class DivergedException(string message) : Exception(message)
{
    /// <summary>Throws when <paramref name="loss"/> is more than three times ln(<paramref name="classes"/>), the loss of a uniform guess.</summary>
    public static void Check(double loss, int classes)
    {
        double limit = 3 * Math.Log(classes);
        if (loss > limit)
        {
            throw new DivergedException($"the training loss reached {loss:G4} nats, more than three times the {Math.Log(classes):F2} of guessing uniformly");
        }
    }
}
