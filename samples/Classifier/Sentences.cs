using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Classifier;

/// <summary>A labelled sentence: its words and its class (0 negative, 1 positive).</summary>
public sealed record Sentence(string[] Words, int Label)
{
    /// <summary>Whether two clauses of opposite weight are joined ("but", "although"): the harder cases.</summary>
    public bool HasContrast => Array.IndexOf(Words, "but") >= 0 || Array.IndexOf(Words, "although") >= 0;
}

/// <summary>The review sentences the sample trains on: generated, or read from a file.</summary>
public static class Sentences
{
    private static readonly string[] Openers = ["", "", "", "honestly ,", "overall", "i think", "to be fair ,", "in the end"];
    private static readonly string[] Subjects = ["the movie", "this film", "the plot", "the acting", "the soundtrack", "the ending", "the cast", "the script", "the dialogue", "the pacing"];
    private static readonly string[] Verbs = ["was", "is", "felt", "seemed", "looked"];
    private static readonly string[] Intensifiers = ["", "", "very", "really", "quite", "so", "rather"];
    private static readonly string[] Positive = ["good", "great", "fun", "moving", "brilliant", "clever", "charming", "gripping"];
    private static readonly string[] Negative = ["bad", "boring", "dull", "awful", "weak", "clumsy", "tedious", "bland"];

    /// <summary>
    /// Review sentences from a small grammar of clauses "subject verb [not] [intensifier] adjective"
    /// (a clause's polarity is its adjective's, flipped by "not"), joined by connectives that decide
    /// which clause carries the label: "A but B" (B decides), "A , although B" (A decides) and
    /// "A and B" (both agree). Word order and memory across the sentence matter: a bag of words
    /// cannot solve it.
    /// </summary>
    public static List<Sentence> Generate(int count, Random random)
    {
        var sentences = new List<Sentence>(count);
        for (int i = 0; i < count; i++)
        {
            var words = new List<string>();
            words.AddRange(Split(Pick(Openers, random)));
            int first = Clause(words, random, -1);
            int label = first;
            double connective = random.NextDouble();
            if (connective < 0.25)
            {
                words.Add("but");
                label = Clause(words, random, -1);
            }
            else if (connective < 0.5)
            {
                words.Add(",");
                words.Add("although");
                Clause(words, random, -1);
            }
            else if (connective < 0.65)
            {
                words.Add("and");
                Clause(words, random, first);
            }

            sentences.Add(new Sentence([.. words], label));
        }

        return sentences;
    }

    /// <summary>Reads "label&lt;TAB&gt;sentence" lines (label 0 or 1; words split on whitespace, lower-cased).</summary>
    public static List<Sentence> Read(string path)
    {
        var sentences = new List<Sentence>();
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            int tab = text.IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0 || !int.TryParse(text.AsSpan(0, tab), NumberStyles.None, CultureInfo.InvariantCulture, out int label) || label > 1)
            {
                throw new InvalidDataException($"{path}:{line}: expected \"0 or 1<TAB>sentence\".");
            }

            string[] words = Split(text[(tab + 1)..].ToLowerInvariant());
            if (words.Length > 0)
            {
                sentences.Add(new Sentence(words, label));
            }
        }

        return sentences;
    }

    /// <summary>Appends a clause and returns its polarity (forced to <paramref name="polarity"/> unless it is −1).</summary>
    private static int Clause(List<string> words, Random random, int polarity)
    {
        words.AddRange(Split(Pick(Subjects, random)));
        words.Add(Pick(Verbs, random));
        bool negated = random.NextDouble() < 0.35;
        if (negated)
        {
            words.Add("not");
        }

        words.AddRange(Split(Pick(Intensifiers, random)));
        bool positive = polarity < 0 ? random.NextDouble() < 0.5 : (polarity == 1) ^ negated;
        words.Add(Pick(positive ? Positive : Negative, random));
        return positive ^ negated ? 1 : 0;
    }

    private static string Pick(string[] options, Random random) => options[random.Next(options.Length)];

    private static string[] Split(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Word ids: 0 is padding-free "unknown", then the training words by frequency.</summary>
public sealed class WordIds
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public WordIds(IEnumerable<Sentence> training, int capacity)
    {
        _ids["<unk>"] = 0;
        foreach (var group in training.SelectMany(s => s.Words).GroupBy(w => w, StringComparer.Ordinal)
                     .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(capacity - 1))
        {
            _ids[group.Key] = _ids.Count;
        }
    }

    public int Count => _ids.Count;

    public int this[string word] => _ids.TryGetValue(word, out int id) ? id : 0;
}
