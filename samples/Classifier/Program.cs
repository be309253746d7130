using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using RnnGen;
using RnnGen.Optimizers;

namespace Classifier;

/// <summary>
/// Many-to-one sequence classification: sentences of different lengths in, one class out. Trains
/// the same LSTM with two readouts (the last word's hidden state, and the mean over the words),
/// reports held-out accuracy, and classifies sentences word by word with the streaming API.
/// </summary>
public static class Program
{
    private const string Usage = """
        Classifier: many-to-one sentence classification with an LSTM.

        Usage: dotnet run --project samples/Classifier -c Release -- [options]

          --data FILE     "label<TAB>sentence" lines, label 0 or 1 (default: generated review sentences)
          --epochs N      passes over the training set (default 6)
          --lr X          Adam learning rate (default 0.005)
          --seed N        seed for data, initialisation and shuffling (default 1)
          --report FILE   write an HTML page: held-out sentences, each word coloured by P(positive) after it
        """;

    private const int T = LastStepClassifier.SequenceLength, B = LastStepClassifier.BatchSize;

    public static int Main(string[] args)
    {
        string? data = null, report = null;
        int epochs = 6, seed = 1;
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
        List<Sentence> train, test;
        if (data is null)
        {
            train = Sentences.Generate(5000, random);
            test = Sentences.Generate(1000, random);
            Console.WriteLine("Data: 5,000 generated review sentences for training, 1,000 more held out.");
        }
        else
        {
            List<Sentence> all;
            try
            {
                all = Sentences.Read(data);
            }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException or System.IO.InvalidDataException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }

            all = [.. all.OrderBy(_ => random.Next())];
            int split = all.Count * 9 / 10;
            train = all[..split];
            test = all[split..];
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
            Console.WriteLine($"{truncated:N0} sentences are longer than {T} words; only their first {T} words are read.");
        }

        var words = new WordIds(train, LastStepClassifier.InputSize);
        Console.WriteLine($"Vocabulary: {words.Count:N0} words. Model: Embedding {LastStepClassifier.InputSize}×32 → LSTM 48 → Dense 2, {LastStepClassifier.ParameterCount:N0} parameters.");
        Console.WriteLine();

        using var last = new LastStepClassifier(seed);
        using var mean = new MeanClassifier(seed);
        try
        {
            Train("last-step readout", last, train, test, words, epochs, lr, seed);
            Train("mean readout", mean, train, test, words, epochs, lr, seed);
        }
        catch (Exception e) when (e is NonFiniteException or DivergedException)
        {
            Console.Error.WriteLine($"Training diverged: {e.Message}");
            Console.Error.WriteLine($"Try a lower --lr (it is {lr.ToString(CultureInfo.InvariantCulture)}).");
            return 1;
        }

        Console.WriteLine();
        Console.WriteLine("Streaming (last-step model): P(positive) after each word.");
        string[] examples = data is null
            ? ["the movie was not good", "the plot was dull but the acting was really brilliant", "the ending felt quite clever , although the pacing was not great"]
            : [.. test.Take(3).Select(s => string.Join(' ', s.Words))];
        foreach (string example in examples)
        {
            Stream(last, words, example);
        }

        if (report is not null)
        {
            // Six held-out sentences with a connective ("but", "although") and six without.
            var shown = test.Where(x => x.HasContrast).Take(6).Concat(test.Where(x => !x.HasContrast).Take(6)).ToList();
            WriteReport(last, words, shown, report);
            Console.WriteLine();
            Console.WriteLine($"Wrote {shown.Count} held-out sentences coloured by confidence to {report}.");
        }

        return 0;
    }

    private static void Train<TModel>(string name, TModel model, List<Sentence> train, List<Sentence> test, WordIds words, int epochs, float lr, int seed)
        where TModel : IRnnModel<int, int>
    {
        var inputs = new int[B * T];
        var lengths = new int[B];
        var targets = new int[B];
        var order = Enumerable.Range(0, train.Count).ToArray();
        var shuffle = new Random(seed + 1);
        using var adam = new Adam(model.Parameters, lr);
        var watch = Stopwatch.StartNew();
        Console.WriteLine($"Training with the {name}: epoch, mean training loss, held-out accuracy (all / sentences with \"but\" or \"although\").");
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            shuffle.Shuffle(order);
            double loss = 0;
            int batches = 0;
            for (int start = 0; start < order.Length; start += B)
            {
                Fill(train, order, start, words, inputs, lengths, targets);
                float stepLoss = model.TrainStep(inputs, lengths, targets);
                DivergedException.Check(stepLoss, 2);
                loss += stepLoss;
                GradientClipping.ClipByGlobalNorm(model.Parameters, 5f);
                adam.Step();
                batches++;
            }

            var (all, contrast) = Accuracy(model, test, words);
            Console.WriteLine($"  {epoch,2}   {loss / batches,7:F4}   {all,6:P1} / {contrast,6:P1}   {watch.Elapsed.TotalSeconds,5:F1}s");
        }
    }

    /// <summary>Batch entries [start, start + B) of the order; past the end, entries of length 0 (ignored by the loss).</summary>
    private static void Fill(List<Sentence> sentences, int[] order, int start, WordIds words, int[] inputs, int[] lengths, int[] targets)
    {
        Array.Clear(inputs);
        for (int b = 0; b < B; b++)
        {
            if (start + b >= order.Length)
            {
                lengths[b] = 0;
                targets[b] = 0;
                continue;
            }

            Sentence s = sentences[order[start + b]];
            lengths[b] = Math.Min(T, s.Words.Length);
            targets[b] = s.Label;
            for (int t = 0; t < lengths[b]; t++)
            {
                inputs[(b * T) + t] = words[s.Words[t]];
            }
        }
    }

    private static (double All, double Contrast) Accuracy(IRnnModel<int, int> model, List<Sentence> test, WordIds words)
    {
        var inputs = new int[B * T];
        var lengths = new int[B];
        var targets = new int[B];
        var outputs = new float[B * 2];
        var order = Enumerable.Range(0, test.Count).ToArray();
        int right = 0, contrast = 0, contrastRight = 0;
        for (int start = 0; start < test.Count; start += B)
        {
            Fill(test, order, start, words, inputs, lengths, targets);
            model.Forward(inputs, lengths, outputs);
            for (int b = 0; b < B && start + b < test.Count; b++)
            {
                bool correct = (outputs[(b * 2) + 1] > outputs[b * 2] ? 1 : 0) == targets[b];
                right += correct ? 1 : 0;
                if (test[start + b].HasContrast)
                {
                    contrast++;
                    contrastRight += correct ? 1 : 0;
                }
            }
        }

        return (right / (double)test.Count, contrast == 0 ? double.NaN : contrastRight / (double)contrast);
    }

    /// <summary>
    /// The report: each sentence streamed word by word through the last-step model, each word coloured by
    /// P(positive) after it (red) or P(negative) (blue), then the prediction, its confidence and the label.
    /// </summary>
    private static void WriteReport(LastStepClassifier model, WordIds words, List<Sentence> sentences, string path)
    {
        var html = SampleReports.ReportPage.Begin("Sentence classification: confidence word by word",
            "LSTM 48 with a last-step readout, streamed one word at a time: each word is coloured by what the model would answer if the sentence ended there.",
            ".sentence { margin: 0.6em 0; line-height: 1.9; }\n.sentence span { padding: 0.15em 0.2em; border-radius: 3px; }\n.wrong { outline: 2px solid #d62728; }\n");
        html.Append("<section id=\"sentences\">\n<p class=\"note\">Red: P(positive) above ½; blue: below; the stronger the colour, the surer the model.</p>\n");
        using var state = model.NewState();
        var logits = new float[2];
        foreach (var sentence in sentences)
        {
            state.Reset();
            html.Append("<p class=\"sentence\">");
            double positive = 0.5;
            foreach (string word in sentence.Words.Take(LastStepClassifier.SequenceLength))
            {
                model.Step(state, words[word], logits);
                positive = 1 / (1 + Math.Exp(logits[0] - logits[1]));
                html.Append(SampleReports.ReportPage.Invariant($"<span style=\"background: {SampleReports.ReportPage.Shade((2 * positive) - 1)}\" title=\"P(positive) = {positive:F3}\">{SampleReports.ReportPage.Escape(word)}</span> "));
            }

            int predicted = positive > 0.5 ? 1 : 0;
            string verdict = SampleReports.ReportPage.Invariant($"→ {(predicted == 1 ? "positive" : "negative")} ({Math.Max(positive, 1 - positive):P0}); the label is {(sentence.Label == 1 ? "positive" : "negative")}");
            html.Append(predicted == sentence.Label ? $"<em>{verdict}</em>" : $"<em class=\"wrong\">{verdict}</em>").Append("</p>\n");
        }

        html.Append("</section>\n");
        SampleReports.ReportPage.Write(html, path);
    }

    /// <summary>Feeds a sentence word by word; the output after each word classifies the sentence so far.</summary>
    private static void Stream(LastStepClassifier model, WordIds words, string sentence)
    {
        using var state = model.NewState();
        var logits = new float[2];
        var line = new System.Text.StringBuilder("  ");
        foreach (string word in sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            model.Step(state, words[word], logits);
            double positive = 1 / (1 + Math.Exp(logits[0] - logits[1]));
            line.Append(CultureInfo.InvariantCulture, $"{word} ({positive:F2}) ");
        }

        Console.WriteLine(line.ToString().TrimEnd());
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
