using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Models must build for .NET 8 (game engines): the generated code, together with the runtime's
/// own sources, compiles against the .NET 8 reference assemblies with C# 12, without errors or
/// warnings. (The other tests compile against the .NET 10 host, which would not notice an API
/// that .NET 8 lacks.)
/// </summary>
public sealed class Net8CompatibilityTests
{
    [Theory]
    [InlineData(SnapshotTests.CharLstm)]
    [InlineData(SnapshotTests.GestureGru)]
    [InlineData(SnapshotTests.MixedStack)]
    [InlineData(SnapshotTests.SentimentMean)]
    [InlineData(SnapshotTests.ConditionedNames)]
    [InlineData(SnapshotTests.AttentionDecoder)]
    [InlineData(SnapshotTests.DropoutTagger)]
    public void GeneratedCode_CompilesForNet8(string model)
    {
        string references = Metadata("Net8ReferenceAssemblies");
        string runtime = Metadata("RuntimeSources");
        Assert.True(File.Exists(Path.Combine(references, "System.Runtime.dll")), "missing .NET 8 reference assemblies in " + references);

        var parse = GeneratorHarness.ParseOptions.WithPreprocessorSymbols(
            "NET", "NETCOREAPP", "NET8_0", "NET8_0_OR_GREATER", "NET7_0_OR_GREATER", "NET6_0_OR_GREATER", "NET5_0_OR_GREATER", "NETCOREAPP3_1_OR_GREATER");
        var runtimeTrees = Directory.EnumerateFiles(runtime, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f))
            .ToArray();
        Assert.NotEmpty(runtimeTrees);

        var compilation = CSharpCompilation.Create(
            "Net8User",
            [.. runtimeTrees, CSharpSyntaxTree.ParseText(model, parse, "Model.cs")],
            Directory.EnumerateFiles(references, "*.dll").Select(f => MetadataReference.CreateFromFile(f)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Assert.Equal(runtimeTrees.Length + 3, output.SyntaxTrees.Count());

        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems.Take(20).Select(p => p.ToString())));
    }

    private static string Metadata(string key) =>
        typeof(Net8CompatibilityTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
