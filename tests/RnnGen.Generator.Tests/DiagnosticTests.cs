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
        ["RNNG012", "[Dropout(0.2)]" + Valid + "public partial class M;", "Dropout(0.2)"],
        ["RNNG012", Valid.Replace("[Dense(Outputs = 5)]", "[Dense(Outputs = 5)][Dropout(0.2)]") + "public partial class M;", "Dropout(0.2)"],
        ["RNNG012", Valid.Replace("[Dense(Outputs = 5)]", "[Attention(MemorySize = 3, MemoryLength = 4, Units = 5)][Dropout(0.2)][Dense(Outputs = 5)]") + "public partial class M;", "Dropout(0.2)"],
        ["RNNG012", Valid.Replace("[Lstm(Hidden = 7)]", "[Dropout(0.2)][Dropout(0.3)][Lstm(Hidden = 7)]") + "public partial class M;", "Dropout(0.3)"],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadDeclaration_ReportsItsDiagnostic_AndGeneratesNothing(string id, string declaration, string locationText)
    {
        string source = "using RnnGen;\n" + declaration;
        var (result, _) = GeneratorHarness.Run(source);
        Assert.Null(result.Results.Single().Exception);
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, diagnostic.Severity);
        string located = source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
        Assert.Equal(locationText, located);
        Assert.Empty(result.GeneratedTrees);
        Assert.DoesNotContain("{", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Replace("{name}", string.Empty));
    }

    [Fact]
    public void EveryDescriptor_HasATest()
    {
        var tested = Cases().Select(c => (string)c[0]).ToHashSet();
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
