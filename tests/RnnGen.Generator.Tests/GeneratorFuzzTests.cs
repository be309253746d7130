using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Thousands of random and malformed declarations thrown at the generator: attribute combinations in
/// any order, sizes from 0 and negative to int.MaxValue, names valid and not, bad enum values, compile
/// errors in arguments, members that clash, split partial declarations, nested, generic and static
/// classes, cells written in C# with random bodies. Whatever the input, the generator never throws,
/// the compiler never reports a generator failure (CS8785, CS8784), and no error is located in a
/// generated file: the user's own file is the only place errors may be.
/// </summary>
/// <remarks>
/// Seeded and reproducible: RNNGEN_FUZZ_SEED and RNNGEN_FUZZ_CASES override the seed and the number of
/// declarations (the default keeps the test well under a minute). Declarations are compiled in batches
/// (each class has a name of its own); a failing batch is split to the one declaration that fails.
/// </remarks>
public sealed class GeneratorFuzzTests(ITestOutputHelper output)
{
    private const int DefaultCases = 1000;
    private const int DefaultSeed = 20260611;
    private const int BatchSize = 25;

    /// <summary>
    /// Every batch's generated code is checked for errors in its declarations; every this many batches,
    /// in its method bodies too (binding every generated kernel is what takes time).
    /// </summary>
    private const int FullCompileEvery = 5;

    [Fact]
    public void RandomDeclarations_NeverBreakTheGenerator_NorPutAnErrorInAGeneratedFile()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("RNNGEN_FUZZ_SEED"), out int s) ? s : DefaultSeed;
        int cases = int.TryParse(Environment.GetEnvironmentVariable("RNNGEN_FUZZ_CASES"), out int c) ? c : DefaultCases;
        var watch = Stopwatch.StartNew();
        var batches = Enumerable.Range(0, (cases + BatchSize - 1) / BatchSize).ToList();
        var failures = new ConcurrentBag<string>();
        int generated = 0, reported = 0, silent = 0;
        Parallel.ForEach(batches, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, batch =>
        {
            // Each batch has its own generator seeded from the seed and its index: the same declarations whatever the scheduling.
            var random = new Random(HashCode.Combine(seed, batch));
            int count = Math.Min(BatchSize, cases - (batch * BatchSize));
            var declarations = Enumerable.Range(0, count).Select(i => new Declaration(random, (batch * BatchSize) + i)).ToList();
            bool bodies = batch % FullCompileEvery == 0;
            var outcome = Check(declarations, bodies);
            if (outcome.Failure is not null)
            {
                // Find the declaration that fails on its own, for a short report.
                var alone = declarations.Select(d => (d, Check([d], bodies).Failure)).FirstOrDefault(x => x.Failure is not null);
                failures.Add(alone.d is null
                    ? $"seed {seed}, batch {batch}: {outcome.Failure}\n{Source(declarations)}"
                    : $"seed {seed}, declaration {alone.d.Index}: {alone.Failure}\n{Source([alone.d])}");
                return;
            }

            System.Threading.Interlocked.Add(ref generated, outcome.Generated);
            System.Threading.Interlocked.Add(ref reported, outcome.Reported);
            System.Threading.Interlocked.Add(ref silent, count - outcome.Generated - outcome.Reported);
        });

        string summary = $"{cases} declarations (seed {seed}) in {watch.Elapsed.TotalSeconds:F1} s (generating {s_generating / (double)Stopwatch.Frequency:F1} s, compiling {s_compiling / (double)Stopwatch.Frequency:F1} s): {generated} generated, {reported} with an RNNG diagnostic, {silent} with neither (compile errors or no [RnnModel])";
        output.WriteLine(summary);
        Assert.True(failures.IsEmpty, summary + "\n" + string.Join("\n\n", failures.Take(3)));
        Assert.True(generated >= cases / 25 && reported >= cases / 3, "the random declarations are skewed: " + summary);
    }

    private sealed record Outcome(string? Failure, int Generated, int Reported);

    private static long s_generating, s_compiling;

    /// <summary>Runs the generator on the declarations together and checks the three properties (method bodies of the generated code only if <paramref name="bodies"/>).</summary>
    private static Outcome Check(IReadOnlyList<Declaration> declarations, bool bodies)
    {
        string source = Source(declarations);
        GeneratorDriverRunResult result;
        Compilation compiled;
        long before = Stopwatch.GetTimestamp();
        try
        {
            (result, compiled) = GeneratorHarness.Run(source);
        }
        catch (Exception e)
        {
            return new Outcome("the driver threw: " + e, 0, 0);
        }

        if (result.Results.Single().Exception is { } exception)
        {
            return new Outcome("the generator threw: " + exception, 0, 0);
        }

        if (result.Diagnostics.FirstOrDefault(d => d.Id is "CS8785" or "CS8784") is { } failed)
        {
            return new Outcome(failed.ToString(), 0, 0);
        }

        long generatedAt = Stopwatch.GetTimestamp();
        var all = bodies ? compiled.GetDiagnostics() : compiled.GetDeclarationDiagnostics();
        System.Threading.Interlocked.Add(ref s_generating, generatedAt - before);
        System.Threading.Interlocked.Add(ref s_compiling, Stopwatch.GetTimestamp() - generatedAt);
        var problems = all
            .Where(d => d.Id is "CS8785" or "CS8784"
                || (d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true))
            .Take(5)
            .ToList();
        if (problems.Count > 0)
        {
            return new Outcome(string.Join("\n", problems), 0, 0);
        }

        var models = result.GeneratedTrees.Select(t => t.FilePath).Where(p => p.EndsWith(".Model.g.cs", StringComparison.Ordinal)).ToList();
        int reportedClasses = declarations.Count(d => result.Diagnostics.Any(x => x.Id.StartsWith("RNNG", StringComparison.Ordinal)
            && x.Location.Kind != LocationKind.None && x.Location.SourceSpan.Start >= d.Start && x.Location.SourceSpan.Start < d.End));
        return new Outcome(null, models.Count, reportedClasses);
    }

    private static string Source(IReadOnlyList<Declaration> declarations)
    {
        var text = new StringBuilder("using RnnGen;\nusing RnnGen.Cells;\nusing static RnnGen.Cells.CellMath;\n\n");
        foreach (var d in declarations)
        {
            d.Start = text.Length;
            text.Append(d.Text);
            d.End = text.Length;
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>One random declaration: a class (maybe a model), maybe a cell it uses, in a namespace of its own.</summary>
    private sealed class Declaration
    {
        private static readonly string[] Names =
        [
            "lstm", "a", "b", "head", "enc", "x1", "_", "слой", "层", "a_b", "att", "att_query", "Packed_x", "S0", "my.lstm", "", "1a", "class", "a b", "\\u0061", "ab\u200Bc", "State", "value",
        ];

        private static readonly string[] ClassNames =
        [
            "Forward", "State", "Kernels", "Layout", "Step", "var", "@class", "nameof", "Parameter", "Math", "Span", "Vector256", "AlignedBuffer", "Activations", "MemoryMarshal", "Модель", "dynamic", "@int", "StreamBatch", "At", "Unsafe", "global",
        ];

        private static readonly string[] ValidNames = ["lstm", "a", "head", "enc", "x", "_", "слой", "层", "a_b", "Schicht_ä", "e\u0301tape"];

        private readonly Random _random;

        /// <summary>Most declarations are models with small sizes and a few odd choices; the others are malformed on purpose.</summary>
        private readonly bool _wellFormed;

        private int _names;

        public Declaration(Random random, int index)
        {
            _random = random;
            Index = index;
            _wellFormed = random.Next(100) < 30;
            Text = Build();
        }

        public int Index { get; }

        public string Text { get; }

        public int Start { get; set; }

        public int End { get; set; }

        private T Pick<T>(params T[] items) => items[_random.Next(items.Length)];

        private bool Chance(int percent) => _random.Next(100) < percent;

        /// <summary>Small sizes in a well-formed declaration; anything from 0 and negative to int.MaxValue in a malformed one.</summary>
        private string Size()
        {
            if (_wellFormed)
            {
                return _random.Next(1, 6).ToString(CultureInfo.InvariantCulture);
            }

            int roll = _random.Next(100);
            return roll switch
            {
                < 65 => _random.Next(1, 10).ToString(CultureInfo.InvariantCulture),
                < 73 => "0",
                < 79 => "-" + _random.Next(1, 5).ToString(CultureInfo.InvariantCulture),
                < 87 => Pick("int.MaxValue", "int.MinValue", "16777217", "1000000", "46341", "100000", "2147483646"),
                < 93 => _random.Next(30, 70).ToString(CultureInfo.InvariantCulture),
                _ => _random.Next(1, 40).ToString(CultureInfo.InvariantCulture),
            };
        }

        /// <summary>An argument the compiler rejects, in a declaration meant to have a compile error.</summary>
        private string Erroneous() => Pick("undefinedSize", "\"4\"", "4.5", "int.MaxValue + 1", "Sizes.Hidden", "(int)double.NaN + x");

        private string Probability() => _wellFormed ? Pick("0.1", "0.5", "0", "0.25") : Pick("0.1", "0.5", "0", "0.99", "1.0", "-0.1", "double.NaN", "double.PositiveInfinity", "1e-300", "0.3");

        private string Name() => Chance(75) ? "" : $", Name = \"{(_wellFormed ? Pick(ValidNames) : Pick(Names))}{(_wellFormed ? _names++.ToString(CultureInfo.InvariantCulture) : "")}\"";

        private string Attribute(string kind)
        {
            switch (kind)
            {
                case "RnnModel":
                    return $"[RnnModel(SequenceLength = {Size()}, BatchSize = {Size()})]";
                case "Embedding":
                    return $"[Embedding(Vocabulary = {Size()}, Dimensions = {Size()}{Name()})]";
                case "Input":
                    return $"[Input(Features = {Size()}{Name()})]";
                case "Condition":
                    return $"[Condition(Features = {Size()}{Name()})]";
                case "Attention":
                    return $"[Attention(MemorySize = {Size()}, MemoryLength = {Size()}, Units = {Size()}{Name()})]";
                case "Dropout":
                    return $"[Dropout({Probability()})]";
                case "Dense":
                    return $"[Dense(Outputs = {Size()}{(Chance(30) ? ", Readout = " + Pick("RnnReadout.EveryStep", "RnnReadout.LastStep", "RnnReadout.Mean", _wellFormed ? "RnnReadout.Mean" : "(RnnReadout)7") : "")}{Name()})]";
                case "SoftmaxCrossEntropy":
                case "MeanSquaredError":
                    return $"[{kind}]";
                case "Cell":
                    return $"[Cell(typeof({(_wellFormed ? Pick("Mgu", "Peep", "FuzzCell" + Index.ToString(CultureInfo.InvariantCulture)) : Pick("Mgu", "Peep", "FuzzCell" + Index.ToString(CultureInfo.InvariantCulture), "string", "Undefined"))}), Hidden = {Size()}{Recurrent(kind)})]";
                default:
                    return $"[{kind}(Hidden = {Size()}{Recurrent(kind)})]";
            }
        }

        private string Recurrent(string kind)
        {
            var options = new StringBuilder();
            if (Chance(30))
            {
                options.Append(", Layers = ").Append(Chance(80) || _wellFormed ? _random.Next(1, 4).ToString(CultureInfo.InvariantCulture) : Size());
            }

            if (Chance(15) && !_wellFormed)
            {
                options.Append(", Dropout = ").Append(Probability());
            }

            options.Append(kind switch
            {
                "Rnn" when Chance(30) => ", Activation = " + Pick("RnnActivation.Relu", "RnnActivation.Tanh", _wellFormed ? "RnnActivation.Relu" : "(RnnActivation)5"),
                "Lstm" when Chance(40) => Pick(", Peepholes = true", ", CoupledGates = true", ", Projection = " + Size(), ", Peepholes = true, Projection = 1"),
                "Gru" when Chance(30) => ", ResetAfter = false",
                "Mut" when Chance(50) => ", Variant = " + Pick("MutVariant.Mut1", "MutVariant.Mut2", "MutVariant.Mut3", _wellFormed ? "MutVariant.Mut3" : "(MutVariant)9"),
                _ => "",
            });
            options.Append(Name());
            return options.ToString();
        }

        private string Build()
        {
            string id = Index.ToString(CultureInfo.InvariantCulture);
            var kinds = new List<string>();
            if (_wellFormed || Chance(92))
            {
                kinds.Add("RnnModel");
            }

            // Mostly the shape of a model (input, layers, head, loss), then shuffled or cut at times.
            kinds.Add(Chance(60) ? "Embedding" : "Input");
            if (Chance(20))
            {
                kinds.Add("Condition");
            }

            int layers = _random.Next(0, 4);
            for (int i = 0; i < layers; i++)
            {
                if (Chance(15))
                {
                    kinds.Add("Dropout");
                }

                kinds.Add(Pick("Rnn", "Lstm", "Gru", "Mut", "Cell", "Lstm", "Gru"));
            }

            if (Chance(15))
            {
                kinds.Add("Dropout");
            }

            if (Chance(15))
            {
                kinds.Add("Attention");
            }

            kinds.Add("Dense");
            kinds.Add(Chance(50) ? "SoftmaxCrossEntropy" : "MeanSquaredError");
            if (!_wellFormed)
            {
                if (Chance(20))
                {
                    kinds.Add(Pick("Embedding", "Input", "Dense", "Lstm", "Gru", "Condition", "Attention", "Dropout"));
                }

                if (Chance(30))
                {
                    int a = _random.Next(kinds.Count), b = _random.Next(kinds.Count);
                    (kinds[a], kinds[b]) = (kinds[b], kinds[a]);
                }

                if (Chance(25) && kinds.Count > 2)
                {
                    kinds.RemoveAt(_random.Next(kinds.Count));
                }
            }

            var attributes = kinds.Select(Attribute).ToList();
            if (!_wellFormed && Chance(15))
            {
                // A compile error in an argument or an attribute: the compiler's to report, not RnnGen's.
                int at = _random.Next(attributes.Count);
                attributes[at] = Chance(60) && attributes[at].Contains(" = ", StringComparison.Ordinal)
                    ? System.Text.RegularExpressions.Regex.Replace(attributes[at], @" = [^,)]+", " = " + Erroneous(), System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1))
                    : Pick("[Lsmt(Hidden = 3)]", "[Lstm(Hiden = 3)]", "[Lstm(64, Layers = 100000)]", "[Dropout]", "[Dropout(\"x\")]", "[Dropout(float.Parse(\"0.5\"))]", "[SoftmaxCrossEntropy(1)]");
            }

            string className = Chance(85) ? "M" + id : Pick(ClassNames) + (Chance(50) ? id : "");
            string modifiers = _wellFormed ? "public partial class" : _random.Next(100) switch
            {
                < 85 => "public partial class",
                < 88 => "public class",
                < 90 => "public static partial class",
                < 92 => "internal sealed partial class",
                < 94 => "public abstract partial class",
                < 96 => "public partial record",
                < 98 => "public partial struct",
                _ => "public partial class",
            };
            string typeParameters = !_wellFormed && Chance(5) ? "<T>" : "";
            string primary = !_wellFormed && Chance(5) ? "(int size)" : "";
            string body = Chance(20) ? Members(className) : ";";
            var text = new StringBuilder();
            string ns = Pick("Fuzz.N" + id, "Fuzz.N" + id, "@class.N" + id, "Fuzz.N" + id + ".System", "Fuzz.N" + id + ".Kernels");
            text.Append("namespace ").Append(ns).Append("\n{\n");
            if (Chance(10) || attributes.Any(a => a.Contains("FuzzCell", StringComparison.Ordinal)))
            {
                text.Append(Cell("FuzzCell" + id)).Append('\n');
            }

            // The fixed cells only where used: every cell costs the compilation a method to bind.
            if (attributes.Any(a => a.Contains("typeof(Mgu)", StringComparison.Ordinal)))
            {
                text.Append(Cell("Mgu", fixedBody: true)).Append('\n');
            }

            if (attributes.Any(a => a.Contains("typeof(Peep)", StringComparison.Ordinal)))
            {
                text.Append(Cell("Peep", fixedBody: true, peephole: true)).Append('\n');
            }
            bool nested = !_wellFormed && Chance(5);
            if (nested)
            {
                text.Append("public partial class Outer").Append(id).Append("\n{\n");
            }

            text.Append(string.Join("\n", attributes)).Append('\n');
            text.Append(modifiers).Append(' ').Append(className).Append(typeParameters).Append(primary).Append(!_wellFormed && Chance(5) ? " : Base" + id : "").Append(body).Append('\n');
            if (Chance(8))
            {
                // A second partial declaration, sometimes with layer attributes of its own.
                text.Append(!_wellFormed && Chance(30) ? Attribute("Lstm") + "\n" : "").Append("public partial class ").Append(className).Append(typeParameters).Append(Chance(50) ? " { public int Extra; }" : ";").Append('\n');
            }

            if (nested)
            {
                text.Append("}\n");
            }

            text.Append("public class Base").Append(id).Append(" { public void ZeroGradients() { } public int Threads; }\n");
            text.Append("}\n");
            return text.ToString();
        }

        private string Members(string className)
        {
            string name = className.TrimStart('@');
            var members = new List<string>();
            int count = _random.Next(1, 4);
            for (int i = 0; i < count; i++)
            {
                if (_wellFormed && Chance(80))
                {
                    // Members that are not the generated ones: overloads, other names.
                    members.Add(Pick(
                        "public void Forward(int[] tokens) { }",
                        $"public {name}() : this(1) {{ }}",
                        "public int Epochs { get; set; }",
                        "public override string ToString() => \"m\";",
                        "public void Helper() { var x = 1; _ = x; }",
                        "public static int var;",
                        "public int nameof(int x) => x;",
                        "public class Nested { public int State; }",
                        "private static int random = 3;"));
                    continue;
                }

                members.Add(Pick(
                    "public void Forward(System.ReadOnlySpan<int> a, System.Span<float> b) { }",
                    "public void Forward(int[] tokens) { }",
                    "public int State;",
                    "public int Parameters { get; set; }",
                    $"public {name}(int seed) {{ }}",
                    $"public {name}() : this(1) {{ }}",
                    "public void Dispose() { }",
                    "public void Step(State state, int token, System.Span<float> output) { }",
                    "private int _parameters;",
                    "public event System.Action? Threads;",
                    "public class Layout { }",
                    "public int get_Threads() => 0;",
                    "public int Epochs { get; set; }",
                    "public override string ToString() => \"m\";",
                    "public static int var;",
                    "public int nameof(int x) => x;",
                    "public void Helper() { var x = 1; _ = x; }"));
            }

            return "\n{\n    " + string.Join("\n    ", members.Distinct()) + "\n}";
        }

        private string Cell(string name, bool fixedBody = false, bool peephole = false)
        {
            if (fixedBody)
            {
                return peephole
                    ? $"[RecurrentCell]\npublic static class {name}\n{{\n    public static void Step(Units x, ref Units h, ref Units c, CellParameters p)\n    {{\n        Units f = Sigmoid(p.Linear(\"wf\", x) + p.Linear(\"uf\", h) + p.Vector(\"pf\") * c + p.Bias(\"f\"));\n        c = f * c + (1 - f) * Tanh(p.Linear(\"wc\", x) + p.Bias(\"c\"));\n        h = Tanh(c) * Sigmoid(p.Linear(\"wo\", x) + p.Vector(\"po\") * c);\n    }}\n}}"
                    : $"[RecurrentCell]\npublic static class {name}\n{{\n    public static void Step(Units x, ref Units h, CellParameters p)\n    {{\n        Units f = Sigmoid(p.Linear(\"wf\", x) + p.Linear(\"uf\", h) + p.Bias(\"f\"));\n        Units n = Tanh(p.Linear(\"wn\", x) + p.Linear(\"un\", f * h) + p.Bias(\"n\"));\n        h = (1 - f) * h + f * n;\n    }}\n}}";
            }

            // Random states and locals, named after things the generated kernels use too.
            string[] stateNames = Pick<string[]>(["h"], ["h", "c"], ["h", "m"], ["h", "@int"], ["h", "ht"], ["h", "H"], ["count", "b"], ["h", "j"]);
            string[] localNames = ["t", "count", "At", "j", "b", "@do", "x0", "gates", "value", "start", "Gates", "dA", "hPrev", "u", "k", "слой", "end", "v0", "d"];
            var locals = new List<string>();
            var body = new StringBuilder();
            int linear = 0;
            string Leaf() => _random.Next(6) switch
            {
                0 => "x",
                1 => stateNames[_random.Next(stateNames.Length)],
                2 => $"p.Linear(\"w{linear++}\", {Pick("x", stateNames[0])})",
                3 => Pick($"p.Bias(\"b{linear++}\")", $"p.Vector(\"v{linear++}\")"),
                4 when locals.Count > 0 => locals[_random.Next(locals.Count)],
                _ => stateNames[_random.Next(stateNames.Length)],
            };
            string Expr(int depth) => depth == 0 ? Leaf() : _random.Next(8) switch
            {
                0 => $"({Expr(depth - 1)} + {Expr(depth - 1)})",
                1 => $"({Expr(depth - 1)} * {Expr(depth - 1)})",
                2 => $"({Expr(depth - 1)} - {_random.Next(1, 3)}f)",
                3 => $"{Pick("Sigmoid", "Tanh", "Relu", "Softsign", "HardSigmoid", "Exp")}({Expr(depth - 1)})",
                4 => $"(1 - {Expr(depth - 1)})",
                5 => $"-{Expr(depth - 1)}",
                _ => Leaf(),
            };
            int statements = _random.Next(1, 6);
            for (int i = 0; i < statements; i++)
            {
                if (Chance(8))
                {
                    body.Append("        ").Append(Pick("for (int i = 0; i < 2; i++) { h = Tanh(h); }", "h = Tanh(Undefined(h));", "if (p.Hidden > 2) h = Tanh(h);", "h = h / h;", "h = p.Linear(\"\", x);")).Append('\n');
                    continue;
                }

                if (Chance(50))
                {
                    string local = localNames[_random.Next(localNames.Length)];
                    if (!locals.Contains(local))
                    {
                        body.Append("        Units ").Append(local).Append(" = ").Append(Expr(_random.Next(1, 4))).Append(";\n");
                        locals.Add(local);
                        continue;
                    }
                }

                string state = stateNames[_random.Next(stateNames.Length)];
                body.Append("        ").Append(state).Append(Chance(20) ? " += " : " = ").Append(Expr(_random.Next(1, 4))).Append(";\n");
            }

            foreach (string state in stateNames)
            {
                body.Append("        ").Append(state).Append(" = Tanh(").Append(state).Append(" + p.Linear(\"z").Append(linear++.ToString(CultureInfo.InvariantCulture)).Append("\", x));\n");
            }

            string parameters = string.Join(", ", stateNames.Select(n => "ref Units " + n));
            return $"[RecurrentCell]\npublic static class {name}\n{{\n    public static void Step(Units x, {parameters}, CellParameters p)\n    {{\n{body}    }}\n}}";
        }
    }
}
