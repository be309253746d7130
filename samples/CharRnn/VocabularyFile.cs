using System.IO;
using System.Text;

namespace CharRnn;

/// <summary>
/// Keeps a model's vocabulary beside its weights ("model.safetensors" → "model.vocab"): the
/// characters in id order as UTF-8, so sampling from saved weights decodes the same way.
/// </summary>
public static class VocabularyFile
{
    public static string PathFor(string weights) => Path.ChangeExtension(weights, ".vocab");

    public static void Write(string weights, Vocabulary vocabulary)
    {
        var text = new StringBuilder();
        text.Append(vocabulary.UnknownId).Append('\n');
        for (int i = 0; i < CharLstm.InputSize; i++)
        {
            text.Append(vocabulary.Decode(i));
        }

        File.WriteAllText(PathFor(weights), text.ToString(), new UTF8Encoding(false));
    }

    public static Vocabulary Read(string weights)
    {
        string path = PathFor(weights);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The vocabulary file {path} that belongs to {weights} is missing.", path);
        }

        string text = File.ReadAllText(path, Encoding.UTF8);
        int newline = text.IndexOf('\n');
        return Vocabulary.FromChars(text[(newline + 1)..].ToCharArray(), int.Parse(text[..newline], System.Globalization.CultureInfo.InvariantCulture));
    }
}
