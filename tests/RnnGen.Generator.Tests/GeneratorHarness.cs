using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;

namespace RnnGen.Generator.Tests;

/// <summary>Runs <see cref="RnnModelGenerator"/> on source text, as the compiler would.</summary>
internal static class GeneratorHarness
{
    /// <summary>C# 12 (what .NET 8 users compile with), with documentation comments checked, so a
    /// generated public member without XML docs is a warning (CS1591).</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        // The test host's own framework assemblies plus the RnnGen runtime.
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return paths
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(RnnGen.Parameter).Assembly.Location))
            .ToImmutableArray();
    });

    public static CSharpCompilation Compilation(string source, string path = "Model.cs") =>
        CSharpCompilation.Create(
            "UserAssembly",
            [CSharpSyntaxTree.ParseText(source, ParseOptions, path)],
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            [new RnnModelGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns its result and the compilation with the generated files added.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(string source)
    {
        var compilation = Compilation(source);
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>The generator's diagnostics, as "ID@line:column".</summary>
    public static IReadOnlyList<Diagnostic> GeneratorDiagnostics(string source) => Run(source).Result.Diagnostics;
}
