using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Generator.Models;

/// <summary>
/// A location without a reference to any syntax tree, so diagnostics can travel through the
/// pipeline and still compare by value.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location) =>
        location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}

/// <summary>A diagnostic to report, as plain values. Must stay cacheable.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(
            Diagnostics.DiagnosticDescriptors.ById(Id),
            Location?.ToLocation(),
            [.. Arguments]);

    /// <summary>RNNG022 for an exception the generator caught while working on model <paramref name="model"/>.</summary>
    public static DiagnosticInfo Failure(LocationInfo? location, string model, System.Exception exception) =>
        new(Diagnostics.DiagnosticDescriptors.GeneratorFailure.Id, location, new EquatableArray<string>([model, exception.GetType().Name, exception.Message]));
}

/// <summary>What the parser produces for one class: a model to emit (if valid) and its diagnostics.</summary>
internal sealed record ParseResult(ModelDeclaration? Model, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// Where a model class and its members are declared: the locations its <see cref="ModelDeclaration"/>
/// leaves out so that an edit that only moves code keeps the generated code cached.
/// </summary>
/// <param name="FullName">The model's namespace-qualified name, which joins it to its emitted code.</param>
/// <param name="Class">The class name of the declaration with [RnnModel].</param>
/// <param name="Members">Per entry of <see cref="ModelDeclaration.UserMembers"/>, where it is declared (the class name for a member declared in metadata).</param>
internal sealed record ModelLocations(string FullName, LocationInfo? Class, EquatableArray<LocationInfo> Members);
