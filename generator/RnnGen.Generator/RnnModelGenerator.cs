using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Emission;
using RnnGen.Generator.Models;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator;

/// <summary>
/// Generates the forward pass, backpropagation through time, streaming step and weight I/O of
/// every class marked <c>[RnnGen.RnnModel]</c>, specialised for its declared sizes.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class RnnModelGenerator : IIncrementalGenerator
{
    /// <summary>The version written into [GeneratedCode] attributes.</summary>
    internal const string Version = "0.1.0";

    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    internal static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string Diagnostics = nameof(Diagnostics);
        public const string CellDiagnostics = nameof(CellDiagnostics);
        public const string Models = nameof(Models);
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Find [RnnModel] classes (the compiler's attribute index makes this cheap) and turn each
        //    into plain values: a ModelSpec when the declaration is valid, and its diagnostics.
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "RnnGen.RnnModelAttribute",
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => Parser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        // 2. Diagnostics travel on their own, so a model's source output depends on its spec only.
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, items) =>
        {
            foreach (DiagnosticInfo item in items)
            {
                spc.ReportDiagnostic(item.ToDiagnostic());
            }
        });

        // 2b. Cells written in C# ([RecurrentCell]): their Step methods' problems, reported once each,
        //     where they are, whether or not a model uses the cell yet.
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> cellDiagnostics = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "RnnGen.Cells.RecurrentCellAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => Cells.UserCellParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ctx.SemanticModel.Compilation, ct).Diagnostics)
            .WithTrackingName(TrackingNames.CellDiagnostics);
        context.RegisterSourceOutput(cellDiagnostics, static (spc, items) =>
        {
            foreach (DiagnosticInfo item in items)
            {
                spc.ReportDiagnostic(item.ToDiagnostic());
            }
        });

        // 3. Valid models: plan the buffers and emit the model and its kernels.
        IncrementalValuesProvider<ModelSpec> models = parsed
            .Select(static (result, _) => result.Model)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models);
        context.RegisterSourceOutput(models, static (spc, model) =>
        {
            ModelPlan plan = ModelPlan.Create(model);
            spc.AddSource(model.FullName + ".Model.g.cs", ModelEmitter.EmitModel(plan));
            spc.CancellationToken.ThrowIfCancellationRequested();
            spc.AddSource(model.FullName + ".Kernels.g.cs", ModelEmitter.EmitKernels(plan));
        });
    }
}
