using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using RnnGen;
using RnnGen.Optimizers;

namespace NameGen;

/// <summary>
/// One-to-many, conditioned generation: a character-level LSTM whose initial state is computed
/// from a category vector learns the names of several categories at once, then generates new names
/// for a chosen category by sampling (temperature, top-k) and by beam search.
/// </summary>
public static class Program
{
    private const string Usage = """
        NameGen: generate names conditioned on a category (one-to-many).

        Usage: dotnet run --project samples/NameGen -c Release -- [options]

          --data FILE        "category<TAB>name" lines, up to 8 categories (default: four generated fantasy-name grammars)
          --epochs N         passes over the training names (default 12)
          --lr X             Adam learning rate (default 0.005)
          --samples N        names sampled per category for the statistics (default 200)
          --temperature T    sampling temperature (default 0.8)
          --seed N           seed for data, initialisation, shuffling and sampling (default 1)
        """;

    private const int T = NameModel.SequenceLength, B = NameModel.BatchSize, V = NameModel.OutputSize, F = NameModel.ConditionSize;

    public static int Main(string[] args)
    {
        string? data = null;
        int epochs = 12, samples = 200, seed = 1;
        float lr = 0.005f, temperature = 0.8f;
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
                    case "--samples": samples = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--temperature": temperature = float.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--seed": seed = int.Parse(value, CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException($"Unknown option {name}.");
                }
            }

            if (epochs < 1 || samples < 1 || !(lr > 0) || !(temperature >= 0))
            {
                throw new ArgumentException("--epochs and --samples must be positive, --lr greater than 0, --temperature not negative.");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var random = new Random(seed);
        List<(string Name, int Category)> all;
        Category[] categories;
        if (data is null)
        {
            categories = Names.Fantasy;
            all = Names.Generate(categories, 1500, random);
            Console.WriteLine($"Data: {all.Count:N0} distinct generated names ({string.Join(", ", categories.Select((c, i) => $"{all.Count(n => n.Category == i):N0} {c.Label}"))}).");
        }
        else
        {
            try
            {
                (all, categories, int skipped) = Names.Read(data);
                Console.WriteLine($"Data: {data}, {all.Count:N0} names in {categories.Length} categories; {skipped:N0} skipped (not a–z, or {T} letters or more).");
            }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException or System.IO.InvalidDataException)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }

            if (all.Count < 20)
            {
                Console.Error.WriteLine("The file needs at least 20 usable names.");
                return 2;
            }
        }

        all = [.. all.OrderBy(_ => random.Next())];
        int split = all.Count * 9 / 10;
        var train = all[..split];
        var heldOut = all[split..];
        var known = new HashSet<string>(all.Select(n => n.Name), StringComparer.Ordinal);

        using var model = new NameModel(seed);
        Console.WriteLine($"Model: Embedding 27×16, initial state from a {F}-wide category vector, LSTM 96, Dense 27; {NameModel.ParameterCount:N0} parameters.");
        Console.WriteLine();
        try
        {
            Train(model, train, heldOut, epochs, lr, seed);
        }
        catch (Exception e) when (e is NonFiniteException or DivergedException)
        {
            Console.Error.WriteLine($"Training diverged: {e.Message}");
            Console.Error.WriteLine($"Try a lower --lr (it is {lr.ToString(CultureInfo.InvariantCulture)}).");
            return 1;
        }

        Console.WriteLine();
        var sampler = new TokenSampler(V, new RandomSource((ulong)seed + 7)) { Temperature = temperature };
        using var state = model.NewState();
        using var beam = new BeamSearch<NameModel.State>(model, V, width: 5, maxLength: T);
        var condition = new float[F];
        var output = new int[T];
        Console.WriteLine($"Generated ({samples} sampled names per category at temperature {temperature.ToString(CultureInfo.InvariantCulture)}; beam search width 5):");
        for (int c = 0; c < categories.Length; c++)
        {
            Array.Clear(condition);
            condition[c] = 1;
            var names = new List<string>();
            for (int i = 0; i < samples; i++)
            {
                model.InitialiseState(state, condition);
                names.Add(SampleName(model, state, sampler));
            }

            model.InitialiseState(state, condition);
            int length = beam.Search(state, start: 0, end: 0, output, out double score);
            string best = new(output.Take(length).TakeWhile(t => t != 0).Select(Names.Letter).ToArray());

            double novel = names.Count(n => !known.Contains(n)) / (double)samples;
            double distinct = names.Distinct(StringComparer.Ordinal).Count() / (double)samples;
            string grammar = "";
            if (categories[c].Grammar is { } own)
            {
                double inCategory = names.Count(n => own.IsMatch(n)) / (double)samples;
                double other = names.Count(n => !own.IsMatch(n) && categories.Any(o => o.Grammar!.IsMatch(n))) / (double)samples;
                grammar = $"{inCategory:P0} fit the {categories[c].Label} grammar, {other:P0} only another's; ";
            }

            Console.WriteLine($"  {categories[c].Label,-8} {grammar}{novel:P0} new, {distinct:P0} distinct; beam: {best} ({score:F2}/char)");
            Console.WriteLine($"           {string.Join(", ", names.Take(8))}");
        }

        return 0;
    }

    private static void Train(NameModel model, List<(string Name, int Category)> train, List<(string Name, int Category)> heldOut, int epochs, float lr, int seed)
    {
        var inputs = new int[B * T];
        var targets = new int[B * T];
        var lengths = new int[B];
        var order = Enumerable.Range(0, train.Count).ToArray();
        var shuffle = new Random(seed + 1);
        using var adam = new Adam(model.Parameters, lr);
        var watch = Stopwatch.StartNew();
        Console.WriteLine("epoch   train loss   held-out loss (nats per character)");
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            shuffle.Shuffle(order);
            double loss = 0;
            int batches = 0;
            for (int start = 0; start < order.Length; start += B)
            {
                Fill(model, train, order, start, inputs, targets, lengths);
                float stepLoss = model.TrainStep(inputs, lengths, targets);
                DivergedException.Check(stepLoss, V);
                loss += stepLoss;
                GradientClipping.ClipByGlobalNorm(model.Parameters, 5f);
                adam.Step();
                batches++;
            }

            double heldOutLoss = 0, weight = 0;
            var all = Enumerable.Range(0, heldOut.Count).ToArray();
            for (int start = 0; start < heldOut.Count; start += B)
            {
                Fill(model, heldOut, all, start, inputs, targets, lengths);
                double characters = lengths.Sum();
                heldOutLoss += model.Evaluate(inputs, lengths, targets) * characters;
                weight += characters;
            }

            Console.WriteLine($"  {epoch,2}     {loss / batches,7:F4}      {heldOutLoss / weight,7:F4}   {watch.Elapsed.TotalSeconds,5:F1}s");
        }
    }

    /// <summary>
    /// Batch entries [start, start + B): input "·name", target "name·" (· = token 0), the category
    /// one-hot in Conditions; past the end of the list, entries of length 0.
    /// </summary>
    private static void Fill(NameModel model, List<(string Name, int Category)> names, int[] order, int start, int[] inputs, int[] targets, int[] lengths)
    {
        Array.Clear(inputs);
        Array.Fill(targets, -1); // padding: never read
        var conditions = model.Conditions;
        conditions.Clear();
        for (int b = 0; b < B; b++)
        {
            if (start + b >= order.Length)
            {
                lengths[b] = 0;
                continue;
            }

            var (name, category) = names[order[start + b]];
            conditions[(b * F) + category] = 1;
            lengths[b] = name.Length + 1;
            inputs[b * T] = 0;
            for (int i = 0; i < name.Length; i++)
            {
                inputs[(b * T) + i + 1] = Names.Token(name[i]);
                targets[(b * T) + i] = Names.Token(name[i]);
            }

            targets[(b * T) + name.Length] = 0;
        }
    }

    /// <summary>Samples one name from a stream already set to its category's initial state.</summary>
    private static string SampleName(NameModel model, NameModel.State state, TokenSampler sampler)
    {
        Span<float> logits = stackalloc float[V];
        var name = new StringBuilder();
        int token = 0;
        for (int i = 0; i < T - 1; i++)
        {
            model.Step(state, token, logits);
            token = sampler.Next(logits);
            if (token == 0)
            {
                break;
            }

            name.Append(Names.Letter(token));
        }

        return name.ToString();
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
