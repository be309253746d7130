using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace NameGen;

/// <summary>A category of names: its label, and (for the generated ones) the grammar that defines it.</summary>
public sealed class Category
{
    private readonly string[] _onsets;
    private readonly string[] _vowels;
    private readonly string[] _endings;
    private readonly int _maxSyllables;

    public Category(string label, string[] onsets, string[] vowels, string[] endings, int maxSyllables)
    {
        Label = label;
        _onsets = onsets;
        _vowels = vowels;
        _endings = endings;
        _maxSyllables = maxSyllables;
        string Alternatives(string[] parts) => "(?:" + string.Join('|', parts.OrderByDescending(p => p.Length).Select(Regex.Escape)) + ")";
        Grammar = new Regex($"^(?:{Alternatives(onsets)}{Alternatives(vowels)}){{1,{maxSyllables}}}{Alternatives(endings)}$", RegexOptions.CultureInvariant);
    }

    /// <summary>Only for categories read from a file: a label, no grammar.</summary>
    public Category(string label)
    {
        Label = label;
        _onsets = _vowels = _endings = [];
    }

    public string Label { get; }

    /// <summary>The names the category's grammar produces (null for categories read from a file).</summary>
    public Regex? Grammar { get; }

    public string Generate(Random random)
    {
        int syllables = 1 + random.Next(_maxSyllables);
        var name = new System.Text.StringBuilder();
        for (int i = 0; i < syllables; i++)
        {
            name.Append(_onsets[random.Next(_onsets.Length)]).Append(_vowels[random.Next(_vowels.Length)]);
        }

        return name.Append(_endings[random.Next(_endings.Length)]).ToString();
    }
}

/// <summary>The names the sample trains on: generated from four fantasy-race grammars, or read from a file.</summary>
public static class Names
{
    /// <summary>Four kinds of fantasy names, each with its own sounds: the kind of procedural content a game generates.</summary>
    public static readonly Category[] Fantasy =
    [
        new("elf", ["l", "th", "s", "f", "n", "r", "v", "gal", "cel", "el"], ["a", "e", "i", "ae", "ie", "ia"], ["iel", "wen", "ion", "as", "ith", "riel"], 2),
        new("dwarf", ["b", "d", "g", "k", "th", "dw", "gr", "br"], ["o", "u", "a", "i"], ["rin", "li", "dur", "in", "ur", "ak", "im", "grim"], 2),
        new("orc", ["g", "k", "z", "gr", "sh", "m", "b", "ug"], ["u", "a", "o"], ["ash", "uk", "og", "ag", "gul", "rz", "gh"], 2),
        new("human", ["ed", "al", "wil", "ric", "tho", "ha", "ro", "ja", "os", "ber", "gun", "lan"], ["", "e", "o", "a"], ["bert", "win", "ric", "ard", "mund", "dric", "ton", "las", "wald", "helm", "ley", "ford"], 2),
    ];

    /// <summary><paramref name="perCategory"/> distinct names of each category.</summary>
    public static List<(string Name, int Category)> Generate(Category[] categories, int perCategory, Random random)
    {
        var names = new List<(string, int)>();
        for (int c = 0; c < categories.Length; c++)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int attempts = 0; seen.Count < perCategory && attempts < perCategory * 50; attempts++)
            {
                string name = categories[c].Generate(random);
                if (name.Length < NameModel.SequenceLength && seen.Add(name))
                {
                    names.Add((name, c));
                }
            }
        }

        return names;
    }

    /// <summary>
    /// Reads "category&lt;TAB&gt;name" lines: at most <see cref="NameModel.ConditionSize"/> categories; names
    /// lower-cased, letters a–z only, shorter than <see cref="NameModel.SequenceLength"/> (others are skipped).
    /// </summary>
    public static (List<(string Name, int Category)> Names, Category[] Categories, int Skipped) Read(string path)
    {
        var labels = new List<string>();
        var names = new List<(string, int)>();
        int skipped = 0, line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            int tab = text.IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0)
            {
                throw new InvalidDataException($"{path}:{line}: expected \"category<TAB>name\".");
            }

            string label = text[..tab], name = text[(tab + 1)..].Trim().ToLowerInvariant();
            if (name.Length == 0 || name.Length >= NameModel.SequenceLength || name.Any(ch => ch is < 'a' or > 'z'))
            {
                skipped++;
                continue;
            }

            int category = labels.IndexOf(label);
            if (category < 0)
            {
                if (labels.Count == NameModel.ConditionSize)
                {
                    throw new InvalidDataException($"{path}:{line}: more than {NameModel.ConditionSize} categories.");
                }

                labels.Add(label);
                category = labels.Count - 1;
            }

            names.Add((name, category));
        }

        return (names, [.. labels.Select(l => new Category(l))], skipped);
    }

    public static int Token(char letter) => letter - 'a' + 1;

    public static char Letter(int token) => (char)('a' + token - 1);
}
