using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// How declarations that are not plain RnnGen reach the user: compile errors in attribute arguments
/// are the compiler's alone; RNNG001 points at each declaration without 'partial'; layer names follow
/// C#'s identifier rules, non-ASCII names work end to end; keywords as names are escaped.
/// </summary>
public sealed class DeclarationTests
{
    private const string Valid = """
        [RnnModel(SequenceLength = 4, BatchSize = 2)]
        [Embedding(Vocabulary = 5, Dimensions = 3)]
        [Lstm(Hidden = 7)]
        [Dense(Outputs = 5)]
        [SoftmaxCrossEntropy]
        """;

    public static IEnumerable<object[]> ErroneousArguments() =>
    [
        ["[Lstm(Hidden = 7)]", "[Lstm(Hidden = undefinedName)]", "CS0103"],
        ["[Lstm(Hidden = 7)]", "[Lstm(Hidden = 7, Layers = \"two\")]", "CS0029"],
        ["[Lstm(Hidden = 7)]", "[Lstm(Hidden = 3.5)]", "CS0266"],
        ["[Lstm(Hidden = 7)]", "[Lstm(Hiden = 7)]", "CS0246"],
        ["[Lstm(Hidden = 7)]", "[Lstm(64, Layers = 100000)]", "CS1729"],
        ["[Lstm(Hidden = 7)]", "[Lstm(Hidden = int.MaxValue + 1)]", "CS0220"],
        ["[Lstm(Hidden = 7)]", "[Lsmt(Hidden = 7)]", "CS0246"],
        ["[Lstm(Hidden = 7)]", "[Lstm(Hidden = 7)][Dropout(float.Parse(\"0.5\"))]", "CS0182"],
        ["[Lstm(Hidden = 7)]", "[Lstm(Hidden = 7)][Dropout(\"x\")]", "CS1503"],
        ["[Lstm(Hidden = 7)]", "[Lstm(Hidden = 7)][Dropout]", "CS7036"],
        ["[Dense(Outputs = 5)]", "[Dense(Outputs = 5, Readout = (RnnReadout)\"a\")]", "CS0030"],
        ["[Lstm(Hidden = 7)]", "[Cell(typeof(Undefined), Hidden = 7)]", "CS0246"],
        ["[Lstm(Hidden = 7)]", "[Lstm(Hidden = 7, Name = 12)]", "CS0029"],
        ["[RnnModel(SequenceLength = 4, BatchSize = 2)]", "[RnnModel(SequenceLength = 4, BatchSize = Sizes.Batch)]", "CS0103"],
    ];

    /// <summary>The compiler's error is the one to fix: no RNNG diagnostic adds "it is 0" on top, and nothing is generated.</summary>
    [Theory]
    [MemberData(nameof(ErroneousArguments))]
    public void ACompileErrorInAnAttribute_IsTheOnlyError_AndNothingIsGenerated(string valid, string erroneous, string compilerError)
    {
        string source = "using RnnGen;\n" + Valid.Replace(valid, erroneous, StringComparison.Ordinal) + "public partial class M;";
        var (result, compiled) = GeneratorHarness.Run(source);
        Assert.Null(result.Results.Single().Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.GeneratedTrees);
        Assert.Contains(compiled.GetDiagnostics(), d => d.Id == compilerError);
    }

    [Fact]
    public void ClassNotPartial_IsReportedAtEachDeclarationWithoutPartial()
    {
        string source = "using RnnGen;\n" + Valid + "public partial class M;\npublic class M { }\ninternal class M { }\n";
        var (result, _) = GeneratorHarness.Run(source);
        var reported = result.Diagnostics.Where(d => d.Id == "RNNG001").Select(d => d.Location.SourceSpan.Start).Order().ToList();
        int first = source.IndexOf("public class M", StringComparison.Ordinal) + "public class ".Length;
        int second = source.IndexOf("internal class M", StringComparison.Ordinal) + "internal class ".Length;
        Assert.Equal([first, second], reported);
        Assert.Empty(result.GeneratedTrees);
    }

    public static IEnumerable<object[]> LayerNames() =>
    [
        ["слой"],
        ["层"],
        ["Schicht_ä"],
        ["e\u0301tape"],
        ["_"],
        ["x1"],
    ];

    /// <summary>A name that is a C# identifier in any script becomes parameter names and generated C# names that compile.</summary>
    [Theory]
    [MemberData(nameof(LayerNames))]
    public void ALayerNameThatIsACSharpIdentifier_WorksEndToEnd(string name)
    {
        string source = "using RnnGen;\nnamespace Samples;\n"
            + Valid.Replace("[Lstm(Hidden = 7)]", $"[Condition(Features = 2, Name = \"{name}_c\")][Lstm(Hidden = 7, Layers = 2, Name = \"{name}\")]", StringComparison.Ordinal)
                .Replace("[Dense(Outputs = 5)]", $"[Dense(Outputs = 5, Name = \"{name}2\")]", StringComparison.Ordinal)
            + "public partial class M;";
        var (result, compiled) = GeneratorHarness.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.GeneratedTrees.Length);
        Assert.Empty(compiled.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains($"\"{name}.weight_ih_l1\"", result.GeneratedTrees[0].ToString(), StringComparison.Ordinal);
    }

    public static IEnumerable<object[]> InvalidLayerNames() =>
    [
        ["my.lstm"],
        ["1st"],
        [""],
        ["a b"],
        ["a\u200Bb"],
        ["a-b"],
    ];

    [Theory]
    [MemberData(nameof(InvalidLayerNames))]
    public void ALayerNameThatIsNotAnIdentifier_IsRnng010(string name)
    {
        string source = "using RnnGen;\n" + Valid.Replace("[Lstm(Hidden = 7)]", $"[Lstm(Hidden = 7, Name = \"{name}\")]", StringComparison.Ordinal) + "public partial class M;";
        var (result, _) = GeneratorHarness.Run(source);
        Assert.Contains(result.Diagnostics, d => d.Id == "RNNG010");
        Assert.Empty(result.GeneratedTrees);
    }

    /// <summary>Keywords written with @ name a class or namespace; the generated code escapes them too.</summary>
    [Theory]
    [InlineData("namespace @class.@int;", "@event")]
    [InlineData("", "@class")]
    [InlineData("namespace Samples;", "@async")]
    public void KeywordsAsNames_AreEscapedInTheGeneratedCode(string ns, string name)
    {
        string source = "using RnnGen;\n" + ns + "\n" + Valid + $"public partial class {name};";
        var (result, compiled) = GeneratorHarness.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.GeneratedTrees.Length);
        Assert.Empty(compiled.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
    }

    [Fact]
    public void LayerAttributesWithoutRnnModel_AreOneWarningPerClass_AtTheFirstOfThem()
    {
        string source = """
            using RnnGen;

            [Embedding(Vocabulary = 5, Dimensions = 3)]
            [Lstm(Hidden = 7)]
            [Dense(Outputs = 5)]
            public partial class NotAModel;

            [Dense(Outputs = 5)]
            public partial class Split;

            [Lstm(Hidden = 7)]
            public partial class Split;
            """;
        var (result, _) = GeneratorHarness.Run(source);
        var warnings = result.Diagnostics.Where(d => d.Id == "RNNG023").OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(DiagnosticSeverity.Warning, w.Severity));
        Assert.Equal(source.IndexOf("Embedding(", StringComparison.Ordinal), warnings[0].Location.SourceSpan.Start);
        Assert.Contains("[Embedding], [Lstm] and [Dense]", warnings[0].GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(source.IndexOf("Dense(Outputs = 5)]\npublic partial class Split", StringComparison.Ordinal), warnings[1].Location.SourceSpan.Start);
        Assert.Empty(result.GeneratedTrees);
    }
}
