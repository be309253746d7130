using System;
using System.Collections.Generic;
using System.Linq;

namespace CharRnn;

/// <summary>
/// Maps characters to the model's fixed number of ids. A corpus with at most that many distinct
/// characters gets one id per character; otherwise the most frequent characters get their own id
/// and the rest share the last id, shown as '¤' when sampling.
/// </summary>
public sealed class Vocabulary
{
    /// <summary>How the shared id for rare characters is printed.</summary>
    public const char Unknown = '¤';

    private readonly Dictionary<char, int> _ids;
    private readonly char[] _chars;

    private Vocabulary(char[] chars, int unknownId)
    {
        _chars = chars;
        UnknownId = unknownId;
        _ids = new Dictionary<char, int>();
        for (int i = 0; i < chars.Length; i++)
        {
            if (i != unknownId)
            {
                _ids[chars[i]] = i;
            }
        }
    }

    /// <summary>The id rare characters share, or −1 when every character has its own.</summary>
    public int UnknownId { get; }

    /// <summary>Number of characters that fell back to <see cref="UnknownId"/> when the vocabulary was built.</summary>
    public int RareCount { get; private set; }

    public static Vocabulary Build(string text, int size)
    {
        var counts = new Dictionary<char, int>();
        foreach (char c in text)
        {
            counts[c] = counts.GetValueOrDefault(c) + 1;
        }

        if (counts.Count <= size)
        {
            char[] all = counts.Keys.OrderBy(c => c).ToArray();
            Array.Resize(ref all, size);
            for (int i = counts.Count; i < size; i++)
            {
                all[i] = Unknown;
            }

            return new Vocabulary(all, -1);
        }

        var ranked = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).ToArray();
        char[] chars = ranked.Take(size - 1).Select(kv => kv.Key).OrderBy(c => c).Append(Unknown).ToArray();
        return new Vocabulary(chars, size - 1) { RareCount = ranked.Skip(size - 1).Sum(kv => kv.Value) };
    }

    /// <summary>Rebuilds a vocabulary from its characters in id order, as <see cref="VocabularyFile"/> stores it.</summary>
    public static Vocabulary FromChars(char[] chars, int unknownId) =>
        chars.Length == CharLstm.InputSize && unknownId < chars.Length
            ? new Vocabulary(chars, unknownId)
            : throw new System.IO.InvalidDataException($"A vocabulary needs {CharLstm.InputSize} characters, not {chars.Length}.");

    public int Encode(char c) => _ids.TryGetValue(c, out int id) ? id : (UnknownId >= 0 ? UnknownId : throw new ArgumentException($"Character U+{(int)c:X4} is not in the vocabulary."));

    public char Decode(int id) => _chars[id];

    public int[] Encode(string text) => text.Select(Encode).ToArray();
}
