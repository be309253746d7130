using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;

namespace Seq2Seq;

/// <summary>A word and every pronunciation the dictionary gives it, as phoneme tokens (stress removed).</summary>
public sealed record Entry(string Word, int[][] Pronunciations);

/// <summary>The CMU Pronouncing Dictionary: reading it, and the letter and phoneme tokens.</summary>
public static class Pronunciations
{
    /// <summary>The 39 ARPAbet phonemes of CMUdict, without stress; token i + 1 is Phonemes[i].</summary>
    public static readonly string[] Phonemes =
    [
        "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH", "K",
        "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH",
    ];

    /// <summary>The token of a letter (a–z → 1 … 26, the apostrophe → 27), or −1.</summary>
    public static int Letter(char c) => c switch
    {
        >= 'a' and <= 'z' => c - 'a' + 1,
        '\'' => 27,
        _ => -1,
    };

    /// <summary>The dictionary shipped with the sample: a fifth of CMUdict (every fifth word), gzipped.</summary>
    public static List<Entry> ReadShipped()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("cmudict-sample.txt.gz")
            ?? throw new InvalidOperationException("The shipped dictionary is missing from the assembly.");
        using var reader = new StreamReader(new GZipStream(stream, CompressionMode.Decompress));
        return Parse(reader);
    }

    /// <summary>Reads a CMUdict file ("WORD  P1 P2 …" lines; "WORD(2)" for an alternative; ";;;" comments).</summary>
    public static List<Entry> Read(string path)
    {
        using var reader = new StreamReader(path);
        return Parse(reader);
    }

    /// <summary>
    /// Words of letters and apostrophes only, at most 20 letters, with pronunciations of at most 20
    /// phonemes; the alternatives of a word are gathered under it, in file order.
    /// </summary>
    private static List<Entry> Parse(TextReader reader)
    {
        var index = Phonemes.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i + 1, StringComparer.Ordinal);
        var words = new Dictionary<string, List<int[]>>(StringComparer.Ordinal);
        var order = new List<string>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0 || line.StartsWith(";;;", StringComparison.Ordinal))
            {
                continue;
            }

            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string word = parts[0].ToLowerInvariant();
            int paren = word.IndexOf('(', StringComparison.Ordinal);
            if (paren > 0)
            {
                word = word[..paren];
            }

            if (word.Length > SpellingEncoder.SequenceLength || parts.Length - 1 > PhonemeDecoder.SequenceLength - 1 || word.Any(c => Letter(c) < 0))
            {
                continue;
            }

            var phonemes = new int[parts.Length - 1];
            bool known = true;
            for (int i = 1; i < parts.Length; i++)
            {
                known &= index.TryGetValue(parts[i].TrimEnd('0', '1', '2'), out phonemes[i - 1]);
            }

            if (!known || phonemes.Length == 0)
            {
                continue;
            }

            if (!words.TryGetValue(word, out var list))
            {
                words[word] = list = [];
                order.Add(word);
            }

            list.Add(phonemes);
        }

        return [.. order.Select(w => new Entry(w, [.. words[w]]))];
    }
}
