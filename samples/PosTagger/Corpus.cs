using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace PosTagger;

/// <summary>A sentence with one Universal Dependencies tag per word.</summary>
public sealed record TaggedSentence(string[] Words, int[] Tags);

/// <summary>The tag set, the tagged sentences the sample trains on, and word ids.</summary>
public static class Corpus
{
    /// <summary>The 17 Universal Dependencies part-of-speech tags (UPOS), in a fixed order.</summary>
    public static readonly string[] Tags =
        ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"];

    private static readonly string[] Determiners = ["the", "a", "every", "this", "that"];
    private static readonly string[] Adjectives = ["old", "young", "quick", "green", "small", "happy", "dark"];
    private static readonly string[] Pronouns = ["they", "we", "i", "you"];
    private static readonly string[] Auxiliaries = ["will", "can", "must", "should"];
    private static readonly string[] Prepositions = ["in", "near", "with", "behind"];
    private static readonly string[] Adverbs = ["quickly", "often", "quietly", "today"];

    // Words that are nouns or verbs depending on context: the tagger must read the context.
    private static readonly string[] Ambiguous = ["fish", "duck", "book", "watch", "plant", "run", "park", "saw", "can", "water"];
    private static readonly string[] Nouns = ["man", "dog", "river", "garden", "teacher", "city", "boat", .. Ambiguous];
    private static readonly string[] Verbs = ["see", "like", "find", "visit", "fish", "duck", "book", "watch", "plant", "run", "park", "saw", "water"];

    /// <summary>Whether a word can carry more than one tag in the generated grammar.</summary>
    public static bool IsAmbiguous(string word) => Array.IndexOf(Ambiguous, word) >= 0;

    /// <summary>
    /// Sentences of a small grammar, "subject [aux] verb [object] [prepositional phrase] [adverb]
    /// [and clause] .", where subjects and objects are pronouns or "det [adj] noun" and many words
    /// are both nouns and verbs ("they fish near the duck", "the fish can duck"): a word's tag
    /// depends on its neighbours.
    /// </summary>
    public static List<TaggedSentence> Generate(int count, Random random)
    {
        var sentences = new List<TaggedSentence>(count);
        for (int i = 0; i < count; i++)
        {
            var words = new List<string>();
            var tags = new List<string>();
            Clause(words, tags, random);
            if (random.NextDouble() < 0.3)
            {
                Add(words, tags, "and", "CCONJ");
                Clause(words, tags, random);
            }

            Add(words, tags, ".", "PUNCT");
            sentences.Add(new TaggedSentence([.. words], [.. tags.Select(t => Array.IndexOf(Tags, t))]));
        }

        return sentences;
    }

    /// <summary>Reads one sentence per line, each token "word/TAG" with a UPOS tag (words lower-cased).</summary>
    public static List<TaggedSentence> Read(string path)
    {
        var sentences = new List<TaggedSentence>();
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            var words = new List<string>();
            var tags = new List<int>();
            foreach (string token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                int slash = token.LastIndexOf('/');
                int tag = slash > 0 ? Array.IndexOf(Tags, token[(slash + 1)..]) : -1;
                if (tag < 0)
                {
                    throw new InvalidDataException($"{path}:{line}: \"{token}\" is not word/TAG with a UPOS tag ({string.Join(' ', Tags)}).");
                }

                words.Add(token[..slash].ToLowerInvariant());
                tags.Add(tag);
            }

            if (words.Count > 0)
            {
                sentences.Add(new TaggedSentence([.. words], [.. tags]));
            }
        }

        return sentences;
    }

    private static void Clause(List<string> words, List<string> tags, Random random)
    {
        bool pronoun = NounPhrase(words, tags, random, allowPronoun: true);
        if (!pronoun || random.NextDouble() < 0.4)
        {
            Add(words, tags, Pick(Auxiliaries, random), "AUX");
        }

        Add(words, tags, Pick(Verbs, random), "VERB");
        if (random.NextDouble() < 0.7)
        {
            NounPhrase(words, tags, random, allowPronoun: false);
        }

        if (random.NextDouble() < 0.4)
        {
            Add(words, tags, Pick(Prepositions, random), "ADP");
            NounPhrase(words, tags, random, allowPronoun: false);
        }

        if (random.NextDouble() < 0.2)
        {
            Add(words, tags, Pick(Adverbs, random), "ADV");
        }
    }

    /// <summary>A pronoun or "det [adj] noun"; returns whether it was a pronoun.</summary>
    private static bool NounPhrase(List<string> words, List<string> tags, Random random, bool allowPronoun)
    {
        if (allowPronoun && random.NextDouble() < 0.35)
        {
            Add(words, tags, Pick(Pronouns, random), "PRON");
            return true;
        }

        Add(words, tags, Pick(Determiners, random), "DET");
        if (random.NextDouble() < 0.4)
        {
            Add(words, tags, Pick(Adjectives, random), "ADJ");
        }

        Add(words, tags, Pick(Nouns, random), "NOUN");
        return false;
    }

    private static void Add(List<string> words, List<string> tags, string word, string tag)
    {
        words.Add(word);
        tags.Add(tag);
    }

    private static string Pick(string[] options, Random random) => options[random.Next(options.Length)];
}

/// <summary>Word ids: 0 is "unknown", then the training words by frequency.</summary>
public sealed class WordIds
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public WordIds(IEnumerable<TaggedSentence> training, int capacity)
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
