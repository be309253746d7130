using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Models;

namespace RnnGen.Generator;

/// <summary>
/// Generates the forward pass, backpropagation through time, streaming step and weight I/O of
/// every class marked <c>[RnnGen.RnnModel]</c>, specialised for its declared sizes.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class RnnModelGenerator : IIncrementalGenerator
{
    /// <summary>The version written into [GeneratedCode] attributes: the package's (see <see cref="BuildInfo"/>).</summary>
    internal const string Version = BuildInfo.Version;

    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    internal static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string Diagnostics = nameof(Diagnostics);
        public const string CellDiagnostics = nameof(CellDiagnostics);
        public const string Models = nameof(Models);
        public const string Emit = nameof(Emit);
        public const string EmitDiagnostics = nameof(EmitDiagnostics);
        public const string Locations = nameof(Locations);
        public const string LayersWithoutModel = nameof(LayersWithoutModel);
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

        // 2c. Layer attributes on a class without [RnnModel] are ignored, and say so: one warning per
        //     class, at its first layer attribute (reported by that attribute's pipeline alone).
        foreach (string kind in Parser.LayerKinds)
        {
            IncrementalValuesProvider<DiagnosticInfo> withoutModel = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    Parser.AttributeNamespace + "." + kind + "Attribute",
                    static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                    (ctx, ct) => Parser.LayersWithoutModel(ctx, kind, ct))
                .WithTrackingName(TrackingNames.LayersWithoutModel)
                .Where(static item => item is not null)
                .Select(static (item, _) => item!);
            context.RegisterSourceOutput(withoutModel, static (spc, item) => spc.ReportDiagnostic(item.ToDiagnostic()));
        }

        // 3. Valid models, without locations: an edit that only moves code leaves them, and so the
        //    emitted code, cached.
        IncrementalValuesProvider<ModelDeclaration> models = parsed
            .Select(static (result, _) => result.Model)
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models);

        // 4. Plan the buffers and emit the model and its kernels; check what was emitted (its size, and
        //    its members against the user's). A model with a problem adds no source.
        IncrementalValuesProvider<GeneratedModel> generated = models
            .Select(static (model, ct) => Emitter.Emit(model, ct))
            .WithTrackingName(TrackingNames.Emit);
        context.RegisterSourceOutput(generated.Where(static g => g.Problems.Count == 0), static (spc, model) =>
        {
            spc.AddSource(model.FullName + ".Model.g.cs", model.Model!);
            spc.AddSource(model.FullName + ".Kernels.g.cs", model.Kernels!);
        });

        // 5. The problems of emitted models, at the locations of the class and its members, which a
        //    pipeline of their own reads (they change whenever code moves; nothing else here does).
        //    Joined once all models are known; empty (and so cached) while no model has a problem.
        IncrementalValuesProvider<ModelLocations> locations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "RnnGen.RnnModelAttribute",
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => Parser.Locate(ctx, ct))
            .WithTrackingName(TrackingNames.Locations)
            .Where(static l => l is not null)
            .Select(static (l, _) => l!);
        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> emitDiagnostics = generated
            .Collect()
            .Combine(locations.Collect())
            .Select(static (pair, _) => Emitter.Locate(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.EmitDiagnostics);
        context.RegisterSourceOutput(emitDiagnostics, static (spc, items) =>
        {
            foreach (DiagnosticInfo item in items)
            {
                spc.ReportDiagnostic(item.ToDiagnostic());
            }
        });
    }
}
