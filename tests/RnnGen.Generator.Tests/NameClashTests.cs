using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Emission;
using RnnGen.Generator.Models;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Names against the generated code, found empirically from what it contains: every identifier the
/// generated files of a few kitchen-sink models use, as the name of a type or namespace beside the
/// model (and, sampled, as the model's own name), must leave the generated code compiling cleanly;
/// and every member the generated code declares, declared by the user too, is an RNNG diagnostic
/// rather than a compiler error inside a generated file.
/// </summary>
public sealed class NameClashTests(ITestOutputHelper output)
{
    /// <summary>A cell written in C# with every construct, so its kernels' names are in the sweep.</summary>
    private const string Cell = """
        [RecurrentCell]
        public static class SweepCell
        {
            public static void Step(Units input, ref Units h, ref Units m, CellParameters p)
            {
                const float Leak = 0.05f;
                Units a = Sigmoid(p.Linear("xa", input) + p.Linear("ha", h) + p.Bias("a"));
                var e = Softsign(p.Linear("xe", input) - p.Vector("decay") * m);
                Units g = HardSigmoid(p.Linear("me", m) + p.Bias("g"));
                m = a * m + (1 - a) * e / 2;
                Units q = Exp(-Relu(p.Linear("mq", m) + 1f) + p.Bias("q") * 0.5f);
                h = g * Tanh(m) + 0.1f * q;
                h -= Leak * -h;
            }
        }
        """;

    /// <summary>
    /// Kitchen-sink models, {0} their class name: every layer kind and cell (built-in variants and one
    /// in C#), embedding and input, condition, attention, dropout in every position, both losses, every
    /// readout, stacked and projected layers, and a batch of one with wide layers (split by units).
    /// </summary>
    public static readonly string[] Models =
    [
        """
        [RnnModel(SequenceLength = 3, BatchSize = 2)]
        [Embedding(Vocabulary = 7, Dimensions = 4)]
        [Condition(Features = 3)]
        [Dropout(0.1)]
        [Lstm(Hidden = 4, Layers = 2, Dropout = 0.2)]
        [Lstm(Hidden = 5, Projection = 4, Name = "proj")]
        [Gru(Hidden = 4, ResetAfter = false)]
        [Mut(Hidden = 4)]
        [Mut(Hidden = 4, Variant = MutVariant.Mut2, Name = "mut2")]
        [Mut(Hidden = 4, Variant = MutVariant.Mut3, Name = "mut3")]
        [Rnn(Hidden = 4, Activation = RnnActivation.Relu)]
        [Cell(typeof(SweepCell), Hidden = 4)]
        [Lstm(Hidden = 4, Peepholes = true, Name = "peep")]
        [Lstm(Hidden = 4, CoupledGates = true, Name = "coupled")]
        [Dropout(0.3)]
        [Attention(MemorySize = 3, MemoryLength = 4, Units = 4)]
        [Dense(Outputs = 7)]
        [SoftmaxCrossEntropy]
        public partial class {0};
        """,
        """
        [RnnModel(SequenceLength = 3, BatchSize = 1)]
        [Input(Features = 3)]
        [Lstm(Hidden = 64, Layers = 2)]
        [Gru(Hidden = 64)]
        [Dense(Outputs = 2)]
        [MeanSquaredError]
        public partial class {0};
        """,
        """
        [RnnModel(SequenceLength = 3, BatchSize = 2)]
        [Input(Features = 2)]
        [Condition(Features = 2)]
        [Gru(Hidden = 3)]
        [Dropout(0.5)]
        [Dense(Outputs = 2, Readout = RnnReadout.LastStep)]
        [MeanSquaredError]
        public partial class {0};
        """,
        """
        [RnnModel(SequenceLength = 3, BatchSize = 2)]
        [Embedding(Vocabulary = 4, Dimensions = 2)]
        [Rnn(Hidden = 3)]
        [Dense(Outputs = 2, Readout = RnnReadout.Mean)]
        [SoftmaxCrossEntropy]
        public partial class {0};
        """,
    ];

    private static readonly string[] ModelNames = ["KitchenTokens", "KitchenSplit", "KitchenLast", "KitchenMean"];

    private const string Usings = "using RnnGen;\nusing RnnGen.Cells;\nusing static RnnGen.Cells.CellMath;\n";

    private static string Model(int index, string name) => Models[index].Replace("{0}", name);

    /// <summary>Every model in namespace Sweep, under their usual names.</summary>
    private static string AllModels(string extra = "") =>
        Usings + "namespace Sweep\n{\n" + Cell + "\n" + string.Concat(Models.Select((_, i) => Model(i, ModelNames[i]) + "\n")) + extra + "}\n";

    /// <summary>The generated files of the kitchen-sink models, and every identifier they use.</summary>
    private static readonly Lazy<(GeneratorDriverRunResult Result, SortedSet<string> Identifiers)> s_generated = new(() =>
    {
        var (result, _) = GeneratorHarness.Run(AllModels());
        var identifiers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var tree in result.GeneratedTrees)
        {
            foreach (var token in tree.GetRoot().DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken))
                {
                    identifiers.Add(token.ValueText);
                }
            }
        }

        return (result, identifiers);
    });

    /// <summary>The kitchen-sink models are valid (that their code compiles, the sweeps below check, with names around them).</summary>
    [Fact]
    public void KitchenSinkModels_AreGenerated()
    {
        var (result, _) = s_generated.Value;
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2 * Models.Length, result.GeneratedTrees.Length);
    }

    /// <summary>
    /// Every identifier of the generated code as a type (of arity 0 and 1) declared beside the models:
    /// name lookup from the generated code finds those types exactly where it would find the model
    /// class of that name, so one compilation checks them all.
    /// </summary>
    [Fact]
    public void EveryGeneratedIdentifier_AsATypeBesideTheModel_LeavesTheGeneratedCodeCompiling()
    {
        var names = Decoys();
        // A non-generic type named 'var' is RNNG011 (the generated locals are declared with var):
        // DiagnosticTests covers it; its generic namesake does not change what var means.
        string decoys = string.Concat(names.Select(n => (n == "var" ? "" : $"internal class {n} {{ }}\n") + $"internal class {n}<T> {{ }}\n"));
        var watch = Stopwatch.StartNew();
        var (result, compiled) = GeneratorHarness.Run(AllModels(decoys));
        Assert.Equal(2 * Models.Length, result.GeneratedTrees.Length);
        AssertNoProblemInGeneratedFiles(compiled, "types named after generated identifiers");
        output.WriteLine($"{names.Count} identifiers as types beside the models: {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Every identifier of the generated code as a namespace: the models in the global namespace, beside namespaces of those names.</summary>
    [Fact]
    public void EveryGeneratedIdentifier_AsANamespace_LeavesTheGeneratedCodeCompiling()
    {
        var names = Decoys();
        string source = Usings + Cell + "\n" + string.Concat(Models.Select((_, i) => Model(i, ModelNames[i]) + "\n"))
            + string.Concat(names.Select(n => $"namespace {n} {{ internal static class NamespaceMarker {{ }} }}\n"));
        var (result, compiled) = GeneratorHarness.Run(source);
        Assert.Equal(2 * Models.Length, result.GeneratedTrees.Length);
        AssertNoProblemInGeneratedFiles(compiled, "namespaces named after generated identifiers");
        output.WriteLine($"{names.Count} identifiers as namespaces");
    }

    /// <summary>
    /// The model's own name. A name the generated code declares in the model class is an RNNG011 (a
    /// member cannot share its class's name): checked for every member name against the members read
    /// back from the generated code, and end to end for a sample of them. C#'s contextual keywords and a
    /// sample of the other identifiers, as the class name of the smallest kitchen-sink model, generate
    /// code that compiles (sampled: compiling is what takes time).
    /// </summary>
    [Fact]
    public void GeneratedIdentifiers_AsTheModelsOwnName_AreAnRnngDiagnosticOrCompile()
    {
        var (_, identifiers) = s_generated.Value;
        var random = new Random(20260611);
        var cases = new List<(int Model, string Name, bool Member)>();
        for (int m = 0; m < Models.Length; m++)
        {
            var members = MemberNames(m);
            cases.AddRange(members.OrderBy(_ => random.Next()).Take(4).Select(n => (m, n, true)));
        }

        var allMembers = Enumerable.Range(0, Models.Length).SelectMany(MemberNames).ToHashSet(StringComparer.Ordinal);
        string[] contextual = ["var", "dynamic", "nameof", "nint", "nuint", "value", "global", "partial", "record", "scoped", "_", "field"];
        cases.AddRange(contextual.Concat(identifiers.Where(i => !allMembers.Contains(i)).OrderBy(_ => random.Next()).Take(3)).Select(n => (3, n, false)));

        var failures = new ConcurrentBag<string>();
        int compiled = 0;
        var watch = Stopwatch.StartNew();
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
        {
            string source = Usings + "namespace Sweep\n{\n" + Cell + "\n" + Model(c.Model, c.Name) + "}\n";
            var (result, outputCompilation) = GeneratorHarness.Run(source);
            if (result.Results.Single().Exception is { } e)
            {
                failures.Add($"{c.Name}: the generator threw {e}");
                return;
            }

            bool reported = result.Diagnostics.Any(d => d.Id.StartsWith("RNNG", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error);
            if (c.Member && !result.Diagnostics.Any(d => d.Id == "RNNG011"))
            {
                failures.Add($"{c.Name}: a member of the generated {ModelNames[c.Model]}, but no RNNG011");
            }

            if (reported)
            {
                if (result.GeneratedTrees.Length > 0)
                {
                    failures.Add($"{c.Name}: an RNNG diagnostic, yet code was generated");
                }

                return;
            }

            System.Threading.Interlocked.Increment(ref compiled);
            if (ProblemsInGeneratedFiles(outputCompilation) is { Length: > 0 } problems)
            {
                failures.Add($"{c.Name}: {problems}");
            }
        });
        output.WriteLine($"{cases.Count} model names, {compiled} compiled: {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.OrderBy(f => f, StringComparer.Ordinal)));
    }

    /// <summary>
    /// Every member the generated code declares in the model class, declared by the user as well: as a
    /// method of the same signature (for a method or constructor), a property or a field, in turn. Each
    /// is an RNNG diagnostic at the user's member, and nothing is generated. Every member of the smallest
    /// model; a seeded sample of the others' (each case generates a whole model).
    /// </summary>
    [Fact]
    public void UserMembers_NamedLikeGeneratedOnes_AreAnRnngDiagnosticAtTheMember()
    {
        var random = new Random(20260611);
        var cases = new List<(string Model, string Member)>();
        for (int m = 0; m < Models.Length; m++)
        {
            var members = GeneratedMembers(m).Where(g => g.Kind is not (MemberKind.ExplicitImplementation or MemberKind.StaticConstructor)).ToList();
            foreach (var generated in m == Models.Length - 1 ? members : members.OrderBy(_ => random.Next()).Take(16))
            {
                string name = generated.Name;
                int variant = random.Next(3);
                cases.Add((ModelNames[m], generated.Kind switch
                {
                    MemberKind.Constructor => $"public {ModelNames[m]}({Parameters(generated)}) {{ }}",
                    MemberKind.Method when variant == 0 => $"public void {name}({Parameters(generated)}) {{ }}",
                    _ when variant == 1 => $"public int {name} {{ get; set; }}",
                    _ => $"public static readonly int {name};",
                }));
            }
        }

        var failures = new ConcurrentBag<string>();
        var watch = Stopwatch.StartNew();
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
        {
            int index = Array.IndexOf(ModelNames, c.Model);
            string member = c.Member;
            string source = Usings + "namespace Sweep\n{\n" + Cell + "\n" + Model(index, c.Model).Replace($"public partial class {c.Model};", $"public partial class {c.Model}\n{{\n    {member}\n}}") + "}\n";
            var (result, compiled) = GeneratorHarness.Run(source);
            if (result.Results.Single().Exception is { } e)
            {
                failures.Add($"{member}: the generator threw {e.Message}");
                return;
            }

            var diagnostic = result.Diagnostics.FirstOrDefault(d => d.Id is "RNNG024" or "RNNG011");
            if (diagnostic is null)
            {
                failures.Add($"{member}: no RNNG024");
                return;
            }

            int at = source.IndexOf(member, StringComparison.Ordinal);
            if (diagnostic.Location.SourceSpan.Start < at || diagnostic.Location.SourceSpan.End > at + member.Length)
            {
                failures.Add($"{member}: {diagnostic.Id} is not at the member but at '{source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length)}'");
            }

            if (result.GeneratedTrees.Length > 0 || ProblemsInGeneratedFiles(compiled) is { Length: > 0 })
            {
                failures.Add($"{member}: code was generated");
            }
        });
        output.WriteLine($"{cases.Count} user members: {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.OrderBy(f => f, StringComparer.Ordinal)));
    }

    /// <summary>Overloads of generated methods with other parameters are C#, so they are allowed.</summary>
    [Fact]
    public void Overloads_WithOtherParameters_AreAllowed()
    {
        string source = Usings + "namespace Sweep\n{\n" + Model(2, "M").Replace("public partial class M;", """
            public partial class M
            {
                public M() : this(7) { }

                public void Forward(float[] features) { }

                public void Step(string text) { }
            }
            """) + "}\n";
        var (result, compiled) = GeneratorHarness.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.GeneratedTrees.Length);
        Assert.Empty(compiled.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    /// <summary>A base class whose members the generated ones would hide is a clash too (CS0108 in the generated file otherwise).</summary>
    [Fact]
    public void InheritedMembers_ThatTheGeneratedOnesWouldHide_AreReportedAtTheClass()
    {
        string source = Usings + "namespace Sweep\n{\npublic class Base { public void ZeroGradients() { } public int Threads; }\n" + Model(2, "M").Replace("public partial class M;", "public partial class M : Base;") + "}\n";
        var (result, _) = GeneratorHarness.Run(source);
        var clashes = result.Diagnostics.Where(d => d.Id == "RNNG024").ToList();
        Assert.Equal(2, clashes.Count);
        Assert.All(clashes, d => Assert.Equal("M", source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)));
        Assert.Contains(clashes, d => d.GetMessage(CultureInfo.InvariantCulture).Contains("inherited from 'Base'", StringComparison.Ordinal));
        Assert.Empty(result.GeneratedTrees);
    }

    private static string Parameters(MemberSignature member) =>
        string.Join(", ", member.Parameters.Select((p, i) => (p.StartsWith("ref ", StringComparison.Ordinal) ? "ref " + Type(p.Substring(4)) : Type(p)) + " p" + i.ToString(CultureInfo.InvariantCulture)));

    private static string Type(string canonical) => canonical.Contains('.') ? "global::" + canonical : canonical;

    /// <summary>The members the generated files of model <paramref name="index"/> declare in its class, read back from them.</summary>
    private static IReadOnlyList<MemberSignature> GeneratedMembers(int index)
    {
        var (result, _) = s_generated.Value;
        var spec = new ModelSpec("Sweep", ModelNames[index], 1, 1, null!, EquatableArray<RecurrentSpec>.Empty, null!, LossKind.MeanSquaredError, null, null, 0);
        string Source(string part) => result.GeneratedTrees.Single(t => t.FilePath.EndsWith($"Sweep.{ModelNames[index]}.{part}.g.cs", StringComparison.Ordinal)).ToString();
        return RnnGen.Generator.Emission.GeneratedMembers.Read(spec, default, Source("Model"), Source("Kernels")).Members;
    }

    private static HashSet<string> MemberNames(int model) =>
        GeneratedMembers(model)
            .Where(m => m.Kind is not (MemberKind.Constructor or MemberKind.StaticConstructor or MemberKind.ExplicitImplementation))
            .Select(m => m.Name)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The identifiers that can name a type or namespace beside the models: not the names the user's
    /// own source uses (the models', the cell's, Units, Sigmoid, …: redefining those breaks the user's
    /// code, not the generated code), nor keywords.
    /// </summary>
    private static List<string> Decoys()
    {
        var (_, identifiers) = s_generated.Value;
        var user = CSharpSyntaxTree.ParseText(AllModels()).GetRoot().DescendantTokens()
            .Where(t => t.IsKind(SyntaxKind.IdentifierToken))
            .Select(t => t.ValueText)
            .ToHashSet(StringComparer.Ordinal);
        return identifiers
            .Where(i => !user.Contains(i) && SyntaxFacts.GetKeywordKind(i) == SyntaxKind.None && i != "global" && i != "_")
            .ToList();
    }

    /// <summary>
    /// Errors and warnings located in a generated file, or the generator's own failures, as text. A
    /// warning the user's own file has too is the user's naming (a class named 'record' is warned about
    /// wherever it is declared), not the generated code's.
    /// </summary>
    private static string ProblemsInGeneratedFiles(Compilation compilation)
    {
        var diagnostics = compilation.GetDiagnostics();
        bool Generated(Diagnostic d) => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true;
        var userWarnings = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning && !Generated(d)).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        return string.Join("\n", diagnostics
            .Where(d => d.Id is "CS8785" or "CS8784" || (Generated(d) && (d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && !userWarnings.Contains(d.Id)))))
            .Select(d => d.ToString())
            .Take(8));
    }

    private void AssertNoProblemInGeneratedFiles(Compilation compilation, string what)
    {
        string problems = ProblemsInGeneratedFiles(compilation);
        if (problems.Length > 0)
        {
            output.WriteLine(problems);
        }

        Assert.True(problems.Length == 0, $"{what}:\n{problems}");
    }
}
