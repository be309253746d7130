using System.Collections;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The pipeline caches: after a comment-only edit every tracked step's outputs are Cached or
/// Unchanged, and no step output holds a compilation, symbol, syntax node or location (which
/// would defeat caching and keep compilations alive).
/// </summary>
public sealed class IncrementalityTests
{
    private static readonly string[] Steps =
    [
        RnnModelGenerator.TrackingNames.Parse,
        RnnModelGenerator.TrackingNames.Diagnostics,
        RnnModelGenerator.TrackingNames.Models,
        RnnModelGenerator.TrackingNames.Emit,
        RnnModelGenerator.TrackingNames.EmitDiagnostics,
    ];

    [Theory]
    [InlineData("// a comment at the end\n", false)]
    [InlineData("/* a comment */", false)]
    [InlineData("// a comment before the class, which moves every span after it\n", true)]
    public void CommentOnlyEdit_LeavesEveryStepCached(string comment, bool beforeClass)
    {
        var compilation = GeneratorHarness.Compilation(SnapshotTests.CharLstm);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        AssertNoRoslynObjects(first);

        var tree = compilation.SyntaxTrees.Single();
        int at = beforeClass ? SnapshotTests.CharLstm.IndexOf("[RnnModel", System.StringComparison.Ordinal) : tree.Length;
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().WithChanges(
            new Microsoft.CodeAnalysis.Text.TextChange(new Microsoft.CodeAnalysis.Text.TextSpan(at, 0), comment))));
        driver = driver.RunGenerators(edited);
        var second = driver.GetRunResult().Results.Single();

        foreach (string step in Steps)
        {
            Assert.True(second.TrackedSteps.ContainsKey(step), "step not tracked: " + step);
            foreach (var run in second.TrackedSteps[step])
            {
                foreach (var (_, reason) in run.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}");
                }
            }
        }

        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    /// <summary>
    /// A model with members of its own, and a class with a layer attribute but no [RnnModel]: a comment
    /// that moves every span changes where their diagnostics and members are (so Parse reruns), but not
    /// the model, so the emitted code stays cached.
    /// </summary>
    [Fact]
    public void MovingCodeWithUserMembers_KeepsTheEmittedCodeCached()
    {
        string source = SnapshotTests.CharLstm.Replace("public partial class CharLstm;", """
            public partial class CharLstm
            {
                public int Epochs { get; set; }

                public void Forward(int[] tokens) { }
            }

            [Lstm(Hidden = 3)]
            public partial class NotAModel;
            """);
        var compilation = GeneratorHarness.Compilation(source);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Equal(2, first.GeneratedSources.Length);
        Assert.Contains(first.Diagnostics, d => d.Id == "RNNG023");
        AssertNoRoslynObjects(first, [.. Steps, RnnModelGenerator.TrackingNames.LayersWithoutModel]);

        var tree = compilation.SyntaxTrees.Single();
        int at = source.IndexOf("[RnnModel", System.StringComparison.Ordinal);
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().WithChanges(
            new Microsoft.CodeAnalysis.Text.TextChange(new Microsoft.CodeAnalysis.Text.TextSpan(at, 0), "// moves everything below\n"))));
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();
        foreach (string step in new[] { RnnModelGenerator.TrackingNames.Models, RnnModelGenerator.TrackingNames.Emit, RnnModelGenerator.TrackingNames.EmitDiagnostics })
        {
            Assert.All(second.TrackedSteps[step].SelectMany(r => r.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }

        var moved = Assert.Single(second.Diagnostics, d => d.Id == "RNNG023");
        Assert.Equal(source.IndexOf("Lstm(Hidden = 3)", System.StringComparison.Ordinal) + "// moves everything below\n".Length, moved.Location.SourceSpan.Start);
    }

    [Fact]
    public void ChangingASize_RegeneratesTheModel()
    {
        var compilation = GeneratorHarness.Compilation(SnapshotTests.CharLstm);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var changed = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(SnapshotTests.CharLstm.Replace("Hidden = 128", "Hidden = 96"), GeneratorHarness.ParseOptions, tree.FilePath));
        var second = driver.RunGenerators(changed).GetRunResult().Results.Single();
        Assert.Contains(second.TrackedSteps[RnnModelGenerator.TrackingNames.Models].SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("LstmForward_H96", second.GeneratedSources[1].SourceText.ToString());
    }

    [Fact]
    public void ChangingActivationMath_RegeneratesTheModelAndItsKernels()
    {
        var compilation = GeneratorHarness.Compilation(SnapshotTests.CharLstm);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        Assert.DoesNotContain("Activations.RationalTanh(", string.Concat(driver.GetRunResult().GeneratedTrees.Select(t => t.ToString())));
        var tree = compilation.SyntaxTrees.Single();
        string rational = SnapshotTests.CharLstm.Replace("BatchSize = 32)", "BatchSize = 32, ActivationMath = ActivationMath.Rational)");
        Assert.NotEqual(SnapshotTests.CharLstm, rational);
        var changed = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(rational, GeneratorHarness.ParseOptions, tree.FilePath));
        var second = driver.RunGenerators(changed).GetRunResult().Results.Single();
        Assert.Contains(second.TrackedSteps[RnnModelGenerator.TrackingNames.Models].SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Activations.RationalTanh(", string.Concat(second.GeneratedSources.Select(s => s.SourceText.ToString())));
    }

    private static void AssertNoRoslynObjects(GeneratorRunResult result, string[]? steps = null)
    {
        // RnnGen's own steps; the compiler's internal steps behind ForAttributeWithMetadataName
        // legitimately hold syntax.
        foreach (var step in (steps ?? Steps).SelectMany(name => result.TrackedSteps[name]))
        {
            foreach (var (value, _) in step.Outputs)
            {
                AssertNotRoslyn(value);
            }
        }
    }

    /// <summary>Walks the value, its collection elements and its public properties (pipeline models are records).</summary>
    private static void AssertNotRoslyn(object? value, int depth = 0)
    {
        Assert.False(value is Compilation or ISymbol or SyntaxNode or Location or SyntaxTree, $"pipeline output holds {value?.GetType()}");
        if (value is null or string || value.GetType().IsPrimitive || value.GetType().IsEnum || depth > 8)
        {
            return;
        }

        if (value is IEnumerable items)
        {
            foreach (object? item in items)
            {
                AssertNotRoslyn(item, depth + 1);
            }

            return;
        }

        foreach (var property in value.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0)
            {
                AssertNotRoslyn(property.GetValue(value), depth + 1);
            }
        }
    }
}
