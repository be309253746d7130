using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Models;
using RnnGen.Generator.Planning;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Bounded resources: a declaration past a limit is an RNNG021 that states the limit and the value,
/// reported quickly; a model at the limits generates methods far from the sizes past which the JIT
/// stops optimising; and a failure on one model is that model's diagnostic, not the end of the others.
/// </summary>
public sealed class LimitsTests(ITestOutputHelper output)
{
    private static string Model(string layers, string head = "[Dense(Outputs = 5)]", string extra = "") => $$"""
        using RnnGen;
        using RnnGen.Cells;
        using static RnnGen.Cells.CellMath;

        {{extra}}
        [RnnModel(SequenceLength = 4, BatchSize = 2)]
        [Embedding(Vocabulary = 5, Dimensions = 3)]
        {{layers}}
        {{head}}
        [SoftmaxCrossEntropy]
        public partial class M;

        [RnnModel(SequenceLength = 4, BatchSize = 2)]
        [Input(Features = 3)]
        [Gru(Hidden = 4)]
        [Dense(Outputs = 2)]
        [MeanSquaredError]
        public partial class Other;
        """;

    public static IEnumerable<object[]> PastALimit() =>
    [
        ["[Lstm(Hidden = 8, Layers = 100000)]", "Layers = 100,000", "64"],
        ["[Lstm(Hidden = 8, Layers = 2147483647)]", "Layers = 2,147,483,647", "64"],
        ["[Lstm(Hidden = 2147483647)]", "Hidden = 2,147,483,647", "16,777,216"],
        ["[Gru(Hidden = 16777217)]", "Hidden = 16,777,217", "16,777,216"],
        ["[Rnn(Hidden = 4, Layers = 33, Name = \"a\")][Rnn(Hidden = 4, Layers = 33, Name = \"b\")]", "66 recurrent layers", "64"],
        [string.Concat(Enumerable.Range(0, 70).Select(i => $"[Rnn(Hidden = 4, Name = \"r{i}\")]")), "70 recurrent layers", "64"],
        [string.Concat(Enumerable.Range(0, 24).Select(i => $"[Lstm(Hidden = {8 + i}, Name = \"l{i}\")]")), "characters of C#", "8,000,000"],
        ["[Condition(Features = 2)]" + string.Concat(Enumerable.Range(0, 64).Select(i => $"[Cell(typeof(Gated), Hidden = 3, Name = \"g{i}\")]")), "parameter tensors", "512"],
    ];

    private const string Gated = """
        [RecurrentCell]
        public static class Gated
        {
            public static void Step(Units x, ref Units h, ref Units c, CellParameters p)
            {
                Units f = Sigmoid(p.Linear("wf", x) + p.Linear("uf", h) + p.Bias("f"));
                c = f * c + (1 - f) * Tanh(p.Linear("wc", x) + p.Bias("c"));
                h = Tanh(c);
            }
        }
        """;

    [Theory]
    [MemberData(nameof(PastALimit))]
    public void PastALimit_IsRnng021WithTheValueAndTheLimit_AndTheOtherModelsAreGenerated(string layers, string value, string limit)
    {
        var watch = Stopwatch.StartNew();
        var (result, compiled) = GeneratorHarness.Run(Model(layers, extra: Gated));
        watch.Stop();
        Assert.Null(result.Results.Single().Exception);
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Id == "RNNG021");
        string message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: {message}");
        Assert.Contains(value, message, StringComparison.Ordinal);
        Assert.Contains("limit of " + limit, message, StringComparison.Ordinal);
        Assert.Equal(["Other.Kernels.g.cs", "Other.Model.g.cs"], result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(compiled.GetDiagnostics(), d => d.Id is "CS8785" or "CS8784");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public void ACellPastTheOperationLimit_IsRnng021AtItsStepMethod()
    {
        // 300 distinct operations: each line adds one product and one sum.
        string body = string.Concat(Enumerable.Range(0, 150).Select(i => $"        h = h + p.Linear(\"w{i}\", x);\n"));
        string cell = "[RecurrentCell]\npublic static class Wide\n{\n    public static void Step(Units x, ref Units h, CellParameters p)\n    {\n" + body + "    }\n}\n";
        var (result, _) = GeneratorHarness.Run(Model("[Cell(typeof(Wide), Hidden = 4)]", extra: cell));
        var limit = Assert.Single(result.Diagnostics, d => d.Id == "RNNG021");
        Assert.Contains("operations, more than the limit of 256", limit.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains(result.Diagnostics, d => d.Id == "RNNG020");
        Assert.Equal(2, result.GeneratedTrees.Length);
    }

    [Fact]
    public void ACellWhoseValuesAreUsedTwiceAtEveryStep_IsGeneratedQuickly()
    {
        // u = u · u forty times: a walk that visits each operand once per use takes 2⁴⁰ steps.
        string body = "        Units u = Tanh(p.Linear(\"w\", x));\n" + string.Concat(Enumerable.Repeat("        u = u * u + u;\n", 40)) + "        h = Tanh(u + p.Linear(\"v\", h));\n";
        string cell = "[RecurrentCell]\npublic static class Squares\n{\n    public static void Step(Units x, ref Units h, CellParameters p)\n    {\n" + body + "    }\n}\n";
        var watch = Stopwatch.StartNew();
        var (result, compiled) = GeneratorHarness.Run(Model("[Cell(typeof(Squares), Hidden = 4)]", extra: cell));
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s");
        Assert.Empty(result.Diagnostics);
        Assert.Equal(4, result.GeneratedTrees.Length);
        Assert.Empty(compiled.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    /// <summary>
    /// A model near the limits (63 layers, a cell of almost 256 operations, conditions and attention,
    /// almost 512 parameter tensors): every generated method stays under half the sizes past which the JIT compiles a
    /// method without optimising it (60,000 bytes of IL and 2,000 locals: DEFAULT_MIN_OPTS_CODE_SIZE and
    /// DEFAULT_MIN_OPTS_LV_NUM_COUNT in the JIT's compiler.cpp).
    /// </summary>
    [Fact]
    public void GeneratedMethods_AtTheLimits_StayFarFromTheJitLimits()
    {
        string body = "        Units u = Tanh(p.Linear(\"w\", x) + p.Linear(\"v\", h) + p.Bias(\"b\"));\n"
            + string.Concat(Enumerable.Range(0, 75).Select(i => $"        u = Sigmoid(u * {(i % 7) + 2}f + 0.5f);\n"))
            + "        h = u * h + (1 - u) * Tanh(p.Linear(\"z\", x));\n";
        string cell = "[RecurrentCell]\npublic static class Deep\n{\n    public static void Step(Units x, ref Units h, CellParameters p)\n    {\n" + body + "    }\n}\n";
        string layers = "[Condition(Features = 3)][Cell(typeof(Deep), Hidden = 4, Name = \"deep\")]"
            + string.Concat(Enumerable.Range(0, 62).Select(i => $"[Lstm(Hidden = 4, Name = \"l{i}\")]"))
            + "[Attention(MemorySize = 3, MemoryLength = 2, Units = 4)]";
        var watch = Stopwatch.StartNew();
        var (result, compiled) = GeneratorHarness.Run(Model(layers, extra: cell));
        Assert.Empty(result.Diagnostics);
        string model = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("M.Model.g.cs", StringComparison.Ordinal)).ToString();
        Assert.InRange(model.Split("new global::RnnGen.Parameter(").Length - 1, 480, Limits.MaxParameterTensors);
        long generated = result.GeneratedTrees.Sum(t => (long)t.Length);
        using var pe = new MemoryStream();
        var emitted = compiled.Emit(pe);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5)));

        pe.Position = 0;
        using var reader = new PEReader(pe);
        var metadata = reader.GetMetadataReader();
        var sizes = new List<(string Method, int IL, int Locals)>();
        foreach (var handle in metadata.MethodDefinitions)
        {
            var method = metadata.GetMethodDefinition(handle);
            if (method.RelativeVirtualAddress == 0)
            {
                continue;
            }

            var methodBody = reader.GetMethodBody(method.RelativeVirtualAddress);
            int locals = methodBody.LocalSignature.IsNil ? 0 : LocalCount(metadata, methodBody.LocalSignature);
            var type = metadata.GetTypeDefinition(method.GetDeclaringType());
            sizes.Add((metadata.GetString(type.Name) + "." + metadata.GetString(method.Name), methodBody.Size, locals));
        }

        var largest = sizes.OrderByDescending(s => s.IL).First();
        var mostLocals = sizes.OrderByDescending(s => s.Locals).First();
        output.WriteLine($"{generated:N0} characters generated, {sizes.Count} methods, {watch.Elapsed.TotalSeconds:F1} s; largest {largest.Method}: {largest.IL:N0} bytes of IL; most locals {mostLocals.Method}: {mostLocals.Locals}");
        Assert.True(largest.IL <= 30_000, $"{largest.Method} has {largest.IL} bytes of IL");
        Assert.True(mostLocals.Locals <= 1_000, $"{mostLocals.Method} has {mostLocals.Locals} locals");
    }

    /// <summary>A failure while emitting one model is RNNG022 on it, at its class, with nothing generated for it.</summary>
    [Fact]
    public void AnExceptionWhileEmitting_IsThatModelsRnng022()
    {
        // A spec the parser never produces (no recurrent layer), so planning fails.
        var spec = new ModelSpec("Samples", "Broken", 4, 2, new InputSpec(true, "embedding", 5, 3), EquatableArray<RecurrentSpec>.Empty,
            new DenseSpec("dense", 5, Readout.EveryStep), LossKind.SoftmaxCrossEntropy, null, null, 0);
        var generated = RnnModelGenerator.Emitter.Emit(new ModelDeclaration(spec, EquatableArray<MemberSignature>.Empty), default);
        Assert.Null(generated.Model);
        Assert.Null(generated.Kernels);
        var problem = Assert.Single(generated.Problems);
        Assert.Equal("RNNG022", problem.Id);
        Assert.Equal(ModelProblem.AtClass, problem.Member);

        var at = new LocationInfo("Model.cs", new Microsoft.CodeAnalysis.Text.TextSpan(10, 6), default);
        var located = RnnModelGenerator.Emitter.Locate([generated], [new ModelLocations("Samples.Broken", at, EquatableArray<LocationInfo>.Empty)]);
        var diagnostic = Assert.Single(located).ToDiagnostic();
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(10, diagnostic.Location.SourceSpan.Start);
        Assert.Contains("Broken", diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static int LocalCount(MetadataReader metadata, StandaloneSignatureHandle handle)
    {
        var blob = metadata.GetBlobReader(metadata.GetStandaloneSignature(handle).Signature);
        blob.ReadSignatureHeader();
        return blob.ReadCompressedInteger();
    }

    [Fact]
    public void Limits_AreTheDocumentedOnes()
    {
        string docs = File.ReadAllText(Path.Combine(RuntimeSources(), "..", "..", "docs", "diagnostics.md"));
        foreach (long limit in new long[] { Limits.MaxLayers, Limits.MaxSize, Limits.MaxParameterTensors, Limits.MaxCellOperations, Limits.MaxCellSyntaxNodes, Limits.MaxGeneratedCharacters })
        {
            Assert.Contains(limit.ToString("N0", CultureInfo.InvariantCulture), docs, StringComparison.Ordinal);
        }
    }

    private static string RuntimeSources() =>
        typeof(LimitsTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .Single(a => a.Key == "RuntimeSources").Value!;
}
