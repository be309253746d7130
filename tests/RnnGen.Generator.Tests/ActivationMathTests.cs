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

    private static string Generated(string declaration)
    {
        var (result, compiled) = GeneratorHarness.Run(string.Format(System.Globalization.CultureInfo.InvariantCulture, Model, declaration));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(compiled.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        return string.Concat(result.GeneratedTrees.Select(t => t.ToString()));
    }

    [Fact]
    public void Rational_ReplacesEverySigmoidAndTanh()
    {
        string code = Generated(", ActivationMath = ActivationMath.Rational");
        Assert.DoesNotContain("Activations.Sigmoid(", code, StringComparison.Ordinal);
        Assert.DoesNotContain("Activations.Tanh(", code, StringComparison.Ordinal);
        foreach (string tier in new[] { "Vector512", "Vector256", "Vector128", "Scalar" })
        {
            Assert.Contains("_" + tier + "(", code, StringComparison.Ordinal);
        }

        Assert.Contains("/// Sigmoid and tanh are the rational approximations (ActivationMath.Rational) in every pass.", code, StringComparison.Ordinal);
        Assert.Contains("Activations.RationalSigmoid(", code, StringComparison.Ordinal);
        Assert.Contains("Activations.RationalTanh(", code, StringComparison.Ordinal);
        Assert.Contains("Activations.RationalTanh(query[i] + k[i])", code, StringComparison.Ordinal);
        Assert.Contains("values[i] = global::RnnGen.Numerics.Activations.RationalTanh(values[i])", code, StringComparison.Ordinal);
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
