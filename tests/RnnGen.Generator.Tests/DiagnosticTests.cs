using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>One declaration per diagnostic ID: the generator reports it (at the offending attribute
/// where there is one) and emits nothing for the class, and never throws.</summary>
public sealed class DiagnosticTests
{
    private const string Valid = """
        [RnnModel(SequenceLength = 4, BatchSize = 2)]
        [Embedding(Vocabulary = 5, Dimensions = 3)]
        [Lstm(Hidden = 7)]
        [Dense(Outputs = 5)]
        [SoftmaxCrossEntropy]
        """;

    public static IEnumerable<object[]> Cases() =>
    [
        ["RNNG001", Valid + "public class M;", "M"],
        ["RNNG002", Valid.Replace("Hidden = 7", "Hidden = 0") + "public partial class M;", "Lstm(Hidden = 0)"],
        ["RNNG002", Valid.Replace("SequenceLength = 4", "SequenceLength = -3") + "public partial class M;", "RnnModel(SequenceLength = -3, BatchSize = 2)"],
        ["RNNG003", Valid.Replace("[Embedding(Vocabulary = 5, Dimensions = 3)]", "") + "public partial class M;", "M"],
        ["RNNG003", Valid.Replace("[Embedding(Vocabulary = 5, Dimensions = 3)]", "[Embedding(Vocabulary = 5, Dimensions = 3)][Input(Features = 2)]") + "public partial class M;", "M"],
        ["RNNG004", Valid.Replace("[Dense(Outputs = 5)]", "") + "public partial class M;", "M"],
        ["RNNG005", Valid.Replace("[SoftmaxCrossEntropy]", "") + "public partial class M;", "M"],
        ["RNNG005", Valid + "[MeanSquaredError] public partial class M;", "M"],
        ["RNNG006", Valid.Replace("Outputs = 5", "Outputs = 1") + "public partial class M;", "M"],
        ["RNNG007", Valid.Replace("[Dense(Outputs = 5)]", "") + "public partial class M; [Dense(Outputs = 5)] public partial class M { }", "M"],
        ["RNNG008", Valid.Replace("[Lstm(Hidden = 7)]", "[Lstm(Hidden = 7)][Lstm(Hidden = 7)]") + "public partial class M;", "Lstm(Hidden = 7)"],
        ["RNNG009", Valid.Replace("[Lstm(Hidden = 7)]", "") + "public partial class M;", "M"],
        ["RNNG010", Valid.Replace("Hidden = 7", "Hidden = 7, Name = \"my.lstm\"") + "public partial class M;", "Lstm(Hidden = 7, Name = \"my.lstm\")"],
        ["RNNG011", Valid.Replace("[RnnModel", "public partial class Outer { [RnnModel") + "public partial class M; }", "M"],
        ["RNNG011", Valid + "public partial class M<T>;", "M"],
        ["RNNG011", Valid + "public partial class State;", "State"],
        ["RNNG011", Valid + "public partial class Step;", "Step"],
        ["RNNG011", Valid + "public partial class ForwardLayer0;", "ForwardLayer0"],
        ["RNNG011", Valid + "public partial record R;", "R"],
        ["RNNG012", Valid.Replace("[Lstm(Hidden = 7)]", "").Replace("[Dense(Outputs = 5)]", "[Dense(Outputs = 5)][Lstm(Hidden = 7)]") + "public partial class M;", "Lstm(Hidden = 7)"],
        ["RNNG012", "[Lstm(Hidden = 7)]" + Valid.Replace("[Lstm(Hidden = 7)]", "") + "public partial class M;", "Embedding(Vocabulary = 5, Dimensions = 3)"],
        ["RNNG012", Valid.Replace("[Dense(Outputs = 5)]", "[Dense(Outputs = 5)][Condition(Features = 3)]") + "public partial class M;", "Condition(Features = 3)"],
        ["RNNG002", Valid.Replace("[Lstm(Hidden = 7)]", "[Condition(Features = 0)][Lstm(Hidden = 7)]") + "public partial class M;", "Condition(Features = 0)"],
        ["RNNG012", Valid.Replace("[Lstm(Hidden = 7)]", "[Attention(MemorySize = 3, MemoryLength = 4, Units = 5)][Lstm(Hidden = 7)]") + "public partial class M;", "Lstm(Hidden = 7)"],
        ["RNNG002", Valid.Replace("[Dense(Outputs = 5)]", "[Attention(MemorySize = 3, MemoryLength = 0, Units = 5)][Dense(Outputs = 5)]") + "public partial class M;", "Attention(MemorySize = 3, MemoryLength = 0, Units = 5)"],
        ["RNNG015", Valid.Replace("[Dense(Outputs = 5)]", "[Attention(MemorySize = 3, MemoryLength = 4, Units = 5)][Dense(Outputs = 5, Readout = RnnReadout.LastStep)]") + "public partial class M;", "M"],
        ["RNNG013", Valid.Replace("SequenceLength = 4, BatchSize = 2", "SequenceLength = 1000, BatchSize = 64").Replace("Hidden = 7", "Hidden = 50000") + "public partial class M;", "M"],
        ["RNNG014", Valid.Replace("[Lstm(Hidden = 7)]", "[Rnn(Hidden = 7, Activation = (RnnActivation)5)]") + "public partial class M;", "Rnn(Hidden = 7, Activation = (RnnActivation)5)"],
        ["RNNG014", Valid.Replace("[Dense(Outputs = 5)]", "[Dense(Outputs = 5, Readout = (RnnReadout)9)]") + "public partial class M;", "Dense(Outputs = 5, Readout = (RnnReadout)9)"],
        ["RNNG016", Valid.Replace("[Lstm(Hidden = 7)]", "[Dropout(1.0)][Lstm(Hidden = 7)]") + "public partial class M;", "Dropout(1.0)"],
        ["RNNG016", Valid.Replace("[Lstm(Hidden = 7)]", "[Dropout(-0.1)][Lstm(Hidden = 7)]") + "public partial class M;", "Dropout(-0.1)"],
        ["RNNG016", Valid.Replace("Hidden = 7", "Hidden = 7, Layers = 2, Dropout = double.NaN") + "public partial class M;", "Lstm(Hidden = 7, Layers = 2, Dropout = double.NaN)"],
        ["RNNG016", Valid.Replace("Hidden = 7", "Hidden = 7, Dropout = 0.3") + "public partial class M;", "Lstm(Hidden = 7, Dropout = 0.3)"],
        ["RNNG017", Valid.Replace("[Lstm(Hidden = 7)]", "[Mut(Hidden = 7)]") + "public partial class M;", "Mut(Hidden = 7)"],
        ["RNNG017", Valid.Replace("[Lstm(Hidden = 7)]", "[Lstm(Hidden = 3)][Mut(Hidden = 4, Variant = MutVariant.Mut2)]") + "public partial class M;", "Mut(Hidden = 4, Variant = MutVariant.Mut2)"],
        ["RNNG014", Valid.Replace("[Lstm(Hidden = 7)]", "[Mut(Hidden = 3, Variant = (MutVariant)3)]") + "public partial class M;", "Mut(Hidden = 3, Variant = (MutVariant)3)"],
        ["RNNG014", Valid.Replace("BatchSize = 2)", "BatchSize = 2, ActivationMath = (ActivationMath)2)") + "public partial class M;", "RnnModel(SequenceLength = 4, BatchSize = 2, ActivationMath = (ActivationMath)2)"],
        ["RNNG012", "[Dropout(0.2)]" + Valid + "public partial class M;", "Dropout(0.2)"],
        ["RNNG012", Valid.Replace("[Dense(Outputs = 5)]", "[Dense(Outputs = 5)][Dropout(0.2)]") + "public partial class M;", "Dropout(0.2)"],
        ["RNNG012", Valid.Replace("[Dense(Outputs = 5)]", "[Attention(MemorySize = 3, MemoryLength = 4, Units = 5)][Dropout(0.2)][Dense(Outputs = 5)]") + "public partial class M;", "Dropout(0.2)"],
        ["RNNG012", Valid.Replace("[Lstm(Hidden = 7)]", "[Dropout(0.2)][Dropout(0.3)][Lstm(Hidden = 7)]") + "public partial class M;", "Dropout(0.3)"],

        ["RNNG017", Valid.Replace("[Lstm(Hidden = 7)]", "[Lstm(Hidden = 7, Projection = 7)]") + "public partial class M;", "Lstm(Hidden = 7, Projection = 7)"],
        ["RNNG002", Valid.Replace("[Lstm(Hidden = 7)]", "[Lstm(Hidden = 7, Projection = -2)]") + "public partial class M;", "Lstm(Hidden = 7, Projection = -2)"],

        // Cells written in C#: the Step method's shape, what its body may use, and the model's use of it.
        ["RNNG018", UserCell("public static void Go(Units x, ref Units h, CellParameters p) { h = Tanh(p.Linear(\"w\", x)); }"), "C"],
        ["RNNG018", UserCell("public static Units Step(Units x, CellParameters p) => x;"), "(Units x, CellParameters p)"],
        ["RNNG018", UserCell("public static void Step(Units x, ref Units h, ref Units c, CellParameters p) { h = Tanh(p.Linear(\"w\", x)); }"), "ref Units c"],
        ["RNNG019", Step("for (int i = 0; i < 2; i++) { h = Tanh(p.Linear(\"w\", h)); }"), "for (int i = 0; i < 2; i++) { h = Tanh(p.Linear(\"w\", h)); }"],
        ["RNNG019", Step("if (p.Hidden > 2) h = Tanh(p.Linear(\"w\", x));"), "if (p.Hidden > 2) h = Tanh(p.Linear(\"w\", x));"],
        ["RNNG019", Step("h = p.Hidden > 1 ? x : h;"), "p.Hidden > 1 ? x : h"],
        ["RNNG019", Step("h = Tanh(Helper(h));", "static Units Helper(Units u) => u;"), "Helper(h)"],
        ["RNNG019", Step("h = Tanh(p.Linear(\"w\", x)) * Scale;", "static readonly float Scale = 2f;"), "Scale"],
        ["RNNG019", Step("h = Tanh(p.Linear(\"w-1\", x));"), "\"w-1\""],
        ["RNNG019", Step("h = Tanh(p.Linear(\"w\", x) + p.Linear(\"w\", h));"), "p.Linear(\"w\", h)"],
        ["RNNG019", Step("h = Tanh(p.Linear(\"a\", p.Linear(\"b\", x)));"), "p.Linear(\"b\", x)"],
        ["RNNG019", Step("h = Tanh(p.Linear(\"w\", x) + p.Vector(\"w\"));"), "\"w\""],
        ["RNNG020", Valid.Replace("[Lstm(Hidden = 7)]", "[Cell(typeof(string), Hidden = 7)]") + "public partial class M;", "Cell(typeof(string), Hidden = 7)"],
        ["RNNG017", Step("h = Tanh(x + p.Linear(\"u\", h));"), "Cell(typeof(C), Hidden = 7)"],

        // Bounded resources: a limit past which the generator does not go, stated with the value.
        ["RNNG021", Valid.Replace("Hidden = 7", "Hidden = 7, Layers = 100000") + "public partial class M;", "Lstm(Hidden = 7, Layers = 100000)"],
        ["RNNG021", Valid.Replace("Hidden = 7", "Hidden = 2000000000") + "public partial class M;", "Lstm(Hidden = 2000000000)"],
        ["RNNG021", Valid.Replace("[Lstm(Hidden = 7)]", "[Lstm(Hidden = 7, Layers = 40, Name = \"a\")][Gru(Hidden = 7, Layers = 40)]") + "public partial class M;", "M"],

        // Layer attributes on a class that is not a model.
        ["RNNG023", "[Lstm(Hidden = 7)][Dense(Outputs = 5)] public partial class NotAModel;", "Lstm(Hidden = 7)"],

        // The user's members against the generated ones; the class's own shape.
        ["RNNG024", Valid + "public partial class M { public void Forward(System.ReadOnlySpan<int> tokens, System.Span<float> logits) { } }", "Forward"],
        ["RNNG024", Valid + "public partial class M { public int Parameters; }", "Parameters"],
        ["RNNG024", Valid + "public partial class M { public M(int size) { } }", "M"],
        ["RNNG011", Valid + "public partial class M(int size);", "(int size)"],

        // A type named 'var' where the generated code would see it: beside the model, nested in it or
        // in its base class, the model itself, or imported.
        ["RNNG011", Valid + "public partial class M;\n#pragma warning disable CS8981\nclass var { }", "M"],
        ["RNNG011", Valid + "public partial class M {\n#pragma warning disable CS8981\nclass var { } }", "M"],
        ["RNNG011", "public class B {\n#pragma warning disable CS8981\nprotected class var { } }\n" + Valid + "public partial class M : B;", "M"],
        ["RNNG011", "#pragma warning disable CS8981\n" + Valid + "public partial class var;", "var"],
        ["RNNG011", "namespace N { \n#pragma warning disable CS8981\npublic class var { } }\nnamespace U { using N;\n" + Valid + "public partial class M; }", "M"],
        ["RNNG008", Valid.Replace("[Dense(Outputs = 5)]", "[Attention(MemorySize = 3, MemoryLength = 4, Units = 5, Name = \"att\")][Dense(Outputs = 5, Name = \"att_query\")]") + "public partial class M;", "M"],
    ];

    /// <summary>A cell class C with the given members, and the valid model with a [Cell(typeof(C))] layer.</summary>
    private static string UserCell(string members) =>
        "using RnnGen.Cells;\nusing static RnnGen.Cells.CellMath;\n[RecurrentCell]\npublic static class C\n{\n    " + members + "\n}\n"
        + Valid.Replace("[Lstm(Hidden = 7)]", "[Cell(typeof(C), Hidden = 7)]") + "public partial class M;";

    /// <summary>A one-state cell whose Step body is <paramref name="body"/>.</summary>
    private static string Step(string body, string members = "") =>
        UserCell("public static void Step(Units x, ref Units h, CellParameters p)\n    {\n        " + body + "\n    }\n    " + members);

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadDeclaration_ReportsItsDiagnostic_AndGeneratesNothing(string id, string declaration, string locationText)
    {
        string source = "using RnnGen;\n" + declaration;
        var (result, _) = GeneratorHarness.Run(source);
        Assert.Null(result.Results.Single().Exception);
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal(RnnGen.Generator.Diagnostics.DiagnosticDescriptors.ById(id).DefaultSeverity, diagnostic.Severity);
        string located = source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
        Assert.Equal(locationText, located);
        Assert.Empty(result.GeneratedTrees);
        Assert.DoesNotContain("{", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Replace("{name}", string.Empty));
    }

    [Fact]
    public void EveryDescriptor_HasATest()
    {
        // RNNG022 reports a generator bug, which no declaration should trigger: GeneratorFailureTests
        // provoke it directly.
        var tested = Cases().Select(c => (string)c[0]).Append("RNNG022").ToHashSet();
        var all = RnnGen.Generator.Diagnostics.DiagnosticDescriptors.All.Select(d => d.Id).ToHashSet();
        Assert.Equal(all.OrderBy(x => x), tested.OrderBy(x => x));
    }

    [Fact]
    public void ValidDeclaration_ReportsNothing()
    {
        var (result, _) = GeneratorHarness.Run("using RnnGen;\n" + Valid + "public partial class M;");
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.GeneratedTrees.Length);
    }
}
