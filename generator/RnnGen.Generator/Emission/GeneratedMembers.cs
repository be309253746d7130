using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Models;

namespace RnnGen.Generator.Emission;

/// <summary>
/// Reads back what the emitter wrote: the members the generated files declare in the model class, as
/// <see cref="MemberSignature"/>s, so that clashes with the user's members are found from the
/// generated code itself rather than from a list kept by hand; and any member a generated type
/// declares twice.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>Documentation comments are only trivia here: not parsing them saves most of the time.</summary>
    private static readonly CSharpParseOptions s_options = new(LanguageVersion.Latest, DocumentationMode.None);

    /// <summary>The members of the model class declared by <paramref name="sources"/>, and the duplicates among every generated type's members ("Layout.x").</summary>
    public static (IReadOnlyList<MemberSignature> Members, IReadOnlyList<string> Duplicates) Read(ModelSpec spec, CancellationToken cancellationToken, params string[] sources)
    {
        var members = new List<MemberSignature>();
        var nested = new Dictionary<string, List<MemberSignature>>(System.StringComparer.Ordinal);
        foreach (string source in sources)
        {
            var root = CSharpSyntaxTree.ParseText(source, s_options, cancellationToken: cancellationToken).GetRoot(cancellationToken);
            foreach (var type in root.DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax).OfType<TypeDeclarationSyntax>())
            {
                bool isModel = type.Parent is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax;
                string path = isModel ? "" : string.Join(".", type.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Reverse().Skip(1).Select(t => t.Identifier.ValueText));
                var list = isModel ? members : nested.TryGetValue(path, out var known) ? known : nested[path] = new List<MemberSignature>();
                foreach (var member in type.Members)
                {
                    list.AddRange(Signatures(member, spec));
                }
            }
        }

        var duplicates = new List<string>();
        foreach (var (path, list) in new[] { (spec.ClassName, members) }.Concat(nested.Select(p => (spec.ClassName + "." + p.Key, p.Value))))
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (list.Take(i).Any(earlier => earlier.ClashesWith(list[i])))
                {
                    duplicates.Add(path + "." + list[i].Display);
                }
            }
        }

        return (members, duplicates);
    }

    /// <summary>The signatures one member declaration adds: a field declaration may declare several; a property adds its accessors' methods.</summary>
    private static IEnumerable<MemberSignature> Signatures(MemberDeclarationSyntax member, ModelSpec spec)
    {
        string Type(TypeSyntax type) => CanonicalType(type, spec);
        EquatableArray<string> Parameters(BaseParameterListSyntax list) =>
            new(list.Parameters.Select(p => (p.Modifiers.Any(m => m.Kind() is SyntaxKind.RefKeyword or SyntaxKind.OutKeyword or SyntaxKind.InKeyword) ? "ref " : "") + (p.Type is null ? "?" : Type(p.Type))));
        MemberSignature Accessor(string name, IEnumerable<string> parameters) =>
            new(name, MemberKind.Method, 0, new EquatableArray<string>(parameters), name + "(" + string.Join(", ", parameters) + ")");

        switch (member)
        {
            case MethodDeclarationSyntax m when m.ExplicitInterfaceSpecifier is { } explicitMethod:
                yield return Explicit(explicitMethod, m.Identifier.ValueText, spec);
                break;
            case MethodDeclarationSyntax m:
            {
                var parameters = Parameters(m.ParameterList);
                yield return new MemberSignature(m.Identifier.ValueText, MemberKind.Method, m.TypeParameterList?.Parameters.Count ?? 0, parameters, m.Identifier.ValueText + "(" + string.Join(", ", parameters) + ")");
                break;
            }

            case ConstructorDeclarationSyntax c:
            {
                bool isStatic = c.Modifiers.Any(SyntaxKind.StaticKeyword);
                var parameters = Parameters(c.ParameterList);
                yield return new MemberSignature(isStatic ? ".cctor" : ".ctor", isStatic ? MemberKind.StaticConstructor : MemberKind.Constructor, 0, parameters, c.Identifier.ValueText + "(" + string.Join(", ", parameters) + ")");
                break;
            }

            case PropertyDeclarationSyntax p when p.ExplicitInterfaceSpecifier is { } explicitProperty:
                yield return Explicit(explicitProperty, p.Identifier.ValueText, spec);
                break;
            case PropertyDeclarationSyntax p:
            {
                string name = p.Identifier.ValueText;
                yield return new MemberSignature(name, MemberKind.Property, 0, EquatableArray<string>.Empty, name);
                bool expressionBodied = p.ExpressionBody is not null;
                if (expressionBodied || p.AccessorList!.Accessors.Any(a => a.Keyword.IsKind(SyntaxKind.GetKeyword)))
                {
                    yield return Accessor("get_" + name, []);
                }

                if (!expressionBodied && p.AccessorList!.Accessors.Any(a => a.Keyword.Kind() is SyntaxKind.SetKeyword or SyntaxKind.InitKeyword))
                {
                    yield return Accessor("set_" + name, [Type(p.Type)]);
                }

                break;
            }

            case IndexerDeclarationSyntax i when i.ExplicitInterfaceSpecifier is null:
            {
                var parameters = Parameters(i.ParameterList);
                yield return new MemberSignature("this[]", MemberKind.Indexer, 0, parameters, "this[" + string.Join(", ", parameters) + "]");
                break;
            }

            case BaseFieldDeclarationSyntax f:
                foreach (var variable in f.Declaration.Variables)
                {
                    string name = variable.Identifier.ValueText;
                    if (f is EventFieldDeclarationSyntax)
                    {
                        yield return new MemberSignature(name, MemberKind.Event, 0, EquatableArray<string>.Empty, name);
                        yield return Accessor("add_" + name, [Type(f.Declaration.Type)]);
                        yield return Accessor("remove_" + name, [Type(f.Declaration.Type)]);
                    }
                    else
                    {
                        yield return new MemberSignature(name, MemberKind.Field, 0, EquatableArray<string>.Empty, name);
                    }
                }

                break;
            case EventDeclarationSyntax e when e.ExplicitInterfaceSpecifier is null:
                yield return new MemberSignature(e.Identifier.ValueText, MemberKind.Event, 0, EquatableArray<string>.Empty, e.Identifier.ValueText);
                break;
            case BaseTypeDeclarationSyntax t:
            {
                int arity = (t as TypeDeclarationSyntax)?.TypeParameterList?.Parameters.Count ?? 0;
                yield return new MemberSignature(t.Identifier.ValueText, MemberKind.Type, arity, EquatableArray<string>.Empty, t.Identifier.ValueText);
                break;
            }

            case DelegateDeclarationSyntax d:
                yield return new MemberSignature(d.Identifier.ValueText, MemberKind.Type, d.TypeParameterList?.Parameters.Count ?? 0, EquatableArray<string>.Empty, d.Identifier.ValueText);
                break;
        }
    }

    private static MemberSignature Explicit(ExplicitInterfaceSpecifierSyntax specifier, string member, ModelSpec spec)
    {
        string name = CanonicalType(specifier.Name, spec) + "." + member;
        return new MemberSignature(name, MemberKind.ExplicitImplementation, 0, EquatableArray<string>.Empty, name);
    }

    /// <summary>
    /// A type as written in generated code, spelled as <see cref="MemberSignatures.CanonicalType"/>
    /// spells a type symbol: no "global::", C# keywords for special types, the model's own nested
    /// types by their simple names, "?" only on nullable value types.
    /// </summary>
    internal static string CanonicalType(TypeSyntax type, ModelSpec spec)
    {
        string text = type switch
        {
            PredefinedTypeSyntax p => p.Keyword.ValueText,
            NullableTypeSyntax n => CanonicalType(n.ElementType, spec) + (n.ElementType is PredefinedTypeSyntax { Keyword.ValueText: not ("string" or "object") } ? "?" : ""),
            ArrayTypeSyntax a => CanonicalType(a.ElementType, spec) + string.Concat(a.RankSpecifiers.Select(r => "[" + new string(',', r.Rank - 1) + "]")),
            PointerTypeSyntax p => CanonicalType(p.ElementType, spec) + "*",
            RefTypeSyntax r => CanonicalType(r.Type, spec),
            AliasQualifiedNameSyntax a => CanonicalType(a.Name, spec),
            QualifiedNameSyntax q => CanonicalType(q.Left, spec) + "." + CanonicalType(q.Right, spec),
            GenericNameSyntax g => g.Identifier.ValueText + "<" + string.Join(",", g.TypeArgumentList.Arguments.Select(a => CanonicalType(a, spec))) + ">",
            SimpleNameSyntax s => s.Identifier.ValueText,
            TupleTypeSyntax t => "(" + string.Join(",", t.Elements.Select(e => CanonicalType(e.Type, spec))) + ")",
            _ => string.Concat(type.ToString().Where(c => !char.IsWhiteSpace(c))),
        };
        return MemberSignatures.Simplify(MemberSignatures.Keyword(text), spec);
    }
}
