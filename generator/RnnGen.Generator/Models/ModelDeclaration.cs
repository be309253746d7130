namespace RnnGen.Generator.Models;

/// <summary>
/// A valid model and the members the user declared in its class (and inherited), which the generated
/// members must not clash with. Must stay cacheable: plain values only, no locations (see
/// <see cref="ModelLocations"/>).
/// </summary>
/// <param name="Spec">The model to emit.</param>
/// <param name="UserMembers">The class's own members, then the members of its base classes.</param>
internal sealed record ModelDeclaration(ModelSpec Spec, EquatableArray<MemberSignature> UserMembers);

/// <summary>
/// The emitted code of one model, or why it cannot be added. Must stay cacheable: plain values only.
/// </summary>
/// <param name="FullName">The model's namespace-qualified name (<see cref="ModelSpec.FullName"/>).</param>
/// <param name="Model">The model file, or <see langword="null"/> when there are problems.</param>
/// <param name="Kernels">The kernels file, or <see langword="null"/> when there are problems.</param>
/// <param name="Problems">Problems found in the emitted code, located once the pipeline joins them to <see cref="ModelLocations"/>.</param>
internal sealed record GeneratedModel(string FullName, string? Model, string? Kernels, EquatableArray<ModelProblem> Problems);

/// <summary>
/// A diagnostic about a model found after parsing, without its location: at the class name, or at
/// user member <paramref name="Member"/> (an index into <see cref="ModelDeclaration.UserMembers"/>).
/// </summary>
internal sealed record ModelProblem(string Id, int Member, EquatableArray<string> Arguments)
{
    /// <summary>The <see cref="Member"/> of a problem located at the class name.</summary>
    public const int AtClass = -1;
}
