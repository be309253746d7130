using System;
using System.IO;
using System.Linq;
using System.Reflection;
using RnnGen.Generator.Diagnostics;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>What the package promises about the generator: one version, and a help page for every diagnostic.</summary>
public sealed class PackagingTests
{
    /// <summary>Generated code states the version of the package it came with, which is the runtime assembly's.</summary>
    [Fact]
    public void GeneratedCodeVersion_IsTheRuntimeAssemblysVersion()
    {
        string runtime = typeof(RnnModelAttribute).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        // The SDK appends "+commit" to the informational version; the version is what precedes it.
        string generator = typeof(RnnModelGenerator).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(RnnModelGenerator.Version, runtime.Split('+')[0]);
        Assert.Equal(RnnModelGenerator.Version, generator.Split('+')[0]);
        var (result, _) = GeneratorHarness.Run("""
            using RnnGen;
            [RnnModel(SequenceLength = 2, BatchSize = 1)]
            [Input(Features = 1)]
            [Rnn(Hidden = 2)]
            [Dense(Outputs = 1)]
            [MeanSquaredError]
            public partial class M;
            """);
        Assert.All(result.GeneratedTrees, tree => Assert.Contains($"GeneratedCode(\"RnnGen\", \"{RnnModelGenerator.Version}\")", tree.ToString(), StringComparison.Ordinal));
    }

    /// <summary>Every diagnostic links to its own row of docs/diagnostics.md, and that row has the anchor.</summary>
    [Fact]
    public void EveryDiagnostic_HasAHelpLink_ToItsRowOfTheDocs()
    {
        string docs = File.ReadAllText(Path.Combine(RuntimeSources(), "..", "..", "docs", "diagnostics.md"));
        Assert.NotEmpty(DiagnosticDescriptors.All);
        foreach (var descriptor in DiagnosticDescriptors.All)
        {
            string anchor = descriptor.Id.ToLowerInvariant();
            Assert.StartsWith("https://", descriptor.HelpLinkUri, StringComparison.Ordinal);
            Assert.EndsWith("/docs/diagnostics.md#" + anchor, descriptor.HelpLinkUri, StringComparison.Ordinal);
            Assert.Contains($"| <a id=\"{anchor}\"></a>{descriptor.Id} |", docs, StringComparison.Ordinal);
        }

        int rows = docs.Split('\n').Count(line => line.StartsWith("| <a id=\"rnng", StringComparison.Ordinal));
        Assert.Equal(DiagnosticDescriptors.All.Count, rows);
    }

    private static string RuntimeSources() =>
        typeof(PackagingTests).Assembly.GetCustomAttributes(typeof(AssemblyMetadataAttribute), false)
            .Cast<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "RuntimeSources").Value!;
}
