using System;
using System.Linq;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// <c>ActivationMath.Rational</c> reaches every sigmoid and tanh the generated code evaluates (cells on
/// every tier, the fused step, conditioning and attention), and the default reaches none of them.
/// </summary>
public sealed class ActivationMathTests
{
    private const string Model = """
        using RnnGen;
        [RnnModel(SequenceLength = 4, BatchSize = 2{0})]
        [Embedding(Vocabulary = 5, Dimensions = 3)]
        [Condition(Features = 2)]
        [Lstm(Hidden = 7)]
        [Gru(Hidden = 6)]
        [Attention(MemorySize = 3, MemoryLength = 4, Units = 5)]
        [Dense(Outputs = 5)]
        [SoftmaxCrossEntropy]
        public partial class M;
        """;

    private static string Generated(string declaration) =>
        Compiled(string.Format(System.Globalization.CultureInfo.InvariantCulture, Model, declaration));

    /// <summary>The generated code of a source that must compile without a diagnostic.</summary>
    private static string Compiled(string source)
    {
        var (result, compiled) = GeneratorHarness.Run(source);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(compiled.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        return string.Concat(result.GeneratedTrees.Select(t => t.ToString()));
    }

    /// <summary>Rational calls, and no exact sigmoid or tanh left anywhere.</summary>
    private static void AssertOnlyRational(string code)
    {
        Assert.DoesNotContain("Activations.Sigmoid(", code, StringComparison.Ordinal);
        Assert.DoesNotContain("Activations.Tanh(", code, StringComparison.Ordinal);
        Assert.Contains("Activations.RationalSigmoid(", code, StringComparison.Ordinal);
        Assert.Contains("Activations.RationalTanh(", code, StringComparison.Ordinal);
    }

    [Fact]
    public void Rational_ReplacesEverySigmoidAndTanh()
    {
        string code = Generated(", ActivationMath = ActivationMath.Rational");
        AssertOnlyRational(code);
        foreach (string tier in new[] { "Vector512", "Vector256", "Vector128", "Scalar" })
        {
            Assert.Contains("_" + tier + "(", code, StringComparison.Ordinal);
        }

        Assert.Contains("/// Sigmoid and tanh are the rational approximations (ActivationMath.Rational) in every pass.", code, StringComparison.Ordinal);
        Assert.Contains("Activations.RationalTanh(query[i] + k[i])", code, StringComparison.Ordinal);
        Assert.Contains("values[i] = global::RnnGen.Numerics.Activations.RationalTanh(values[i])", code, StringComparison.Ordinal);
    }

    /// <summary>Every other kind of cell: the variants, MUT, and a cell written in C#, each with tanh and sigmoid in its step.</summary>
    [Theory]
    [InlineData("[Lstm(Hidden = 7, Peepholes = true, Projection = 3)]")]
    [InlineData("[Lstm(Hidden = 7, CoupledGates = true)]")]
    [InlineData("[Gru(Hidden = 7, ResetAfter = false)]")]
    [InlineData("[Mut(Hidden = 3, Variant = MutVariant.Mut3)]")]
    [InlineData("[Cell(typeof(Mgu), Hidden = 7)]")]
    public void Rational_ReachesEveryCell(string layer)
    {
        const string cell = """
            using RnnGen.Cells;
            using static RnnGen.Cells.CellMath;
            [RecurrentCell]
            public static class Mgu
            {
                public static void Step(Units x, ref Units h, CellParameters p)
                {
                    var f = Sigmoid(p.Linear("w_f", x) + p.Linear("u_f", h));
                    var n = Tanh(p.Linear("w_n", x) + p.Linear("u_n", f * h));
                    h = (1 - f) * h + f * n;
                }
            }
            """;
        string source = cell + "\n[RnnModel(SequenceLength = 4, BatchSize = 2, ActivationMath = ActivationMath.Rational)]\n[Input(Features = 3)]\n" + layer + "\n[Dense(Outputs = 2)]\n[MeanSquaredError]\npublic partial class M;";
        AssertOnlyRational(Compiled("using RnnGen;\n" + source));
    }

    [Theory]
    [InlineData("")]
    [InlineData(", ActivationMath = ActivationMath.Exact")]
    public void Exact_IsTheDefault(string declaration)
    {
        string code = Generated(declaration);
        Assert.DoesNotContain("Rational", code, StringComparison.Ordinal);
        Assert.Contains("Activations.Sigmoid(", code, StringComparison.Ordinal);
        Assert.Contains("Activations.Tanh(", code, StringComparison.Ordinal);
    }
}
