using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Models;

namespace RnnGen.Generator;

/// <summary>
/// The members a model class already has, read from its symbol as <see cref="MemberSignature"/>s (the
/// form <see cref="Emission.GeneratedMembers"/> reads the generated code in), and the spelling of
/// types both sides share.
/// </summary>
internal static class MemberSignatures
{
    /// <summary>
    /// The class's own members (not those the compiler declares implicitly), then the members of its
    /// base classes up to (not including) <see cref="object"/> that a derived class sees, each with
    /// where it is declared (or <see langword="null"/> in metadata).
    /// </summary>
    public static List<(MemberSignature Signature, Location? Location)> Of(INamedTypeSymbol type, string? ns)
    {
        var result = new List<(MemberSignature, Location?)>();
        foreach (var member in type.GetMembers())
        {
            if (!member.IsImplicitlyDeclared && Signature(member, type, ns, inheritedFrom: null) is { } signature)
            {
                result.Add((signature, member.Locations.FirstOrDefault(l => l.IsInSource)));
            }
        }

        for (var baseType = type.BaseType; baseType is not null && baseType.SpecialType != SpecialType.System_Object; baseType = baseType.BaseType)
        {
            foreach (var member in baseType.GetMembers())
            {
                if (!member.IsImplicitlyDeclared && member.DeclaredAccessibility != Accessibility.Private
                    && member is not IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor or MethodKind.Destructor }
                    && Signature(member, type, ns, baseType.Name) is { } signature)
                {
                    result.Add((signature, null));
                }
            }
        }

        return result;
    }

    private static MemberSignature? Signature(ISymbol member, INamedTypeSymbol model, string? ns, string? inheritedFrom)
    {
        string Type(ITypeSymbol t) => CanonicalType(t, model.Name, ns);
        EquatableArray<string> Parameters(IEnumerable<IParameterSymbol> parameters) =>
            new(parameters.Select(p => (p.RefKind == RefKind.None ? "" : "ref ") + Type(p.Type)));
        string Display(string name, EquatableArray<string> parameters) => name + "(" + string.Join(", ", parameters) + ")";

        switch (member)
        {
            case IMethodSymbol m when !m.ExplicitInterfaceImplementations.IsEmpty:
                return Explicit(m.ExplicitInterfaceImplementations[0], m.ExplicitInterfaceImplementations[0].Name);
            case IMethodSymbol { MethodKind: MethodKind.Constructor } m:
            {
                var parameters = Parameters(m.Parameters);
                return new MemberSignature(".ctor", MemberKind.Constructor, 0, parameters, Display(model.Name, parameters), inheritedFrom);
            }

            case IMethodSymbol { MethodKind: MethodKind.StaticConstructor }:
                return new MemberSignature(".cctor", MemberKind.StaticConstructor, 0, EquatableArray<string>.Empty, "static " + model.Name + "()", inheritedFrom);
            case IMethodSymbol m:
            {
                var parameters = Parameters(m.Parameters);
                return new MemberSignature(m.Name, MemberKind.Method, m.Arity, parameters, Display(m.Name, parameters), inheritedFrom);
            }

            case IPropertySymbol p when !p.ExplicitInterfaceImplementations.IsEmpty:
                return Explicit(p.ExplicitInterfaceImplementations[0], p.ExplicitInterfaceImplementations[0].Name);
            case IPropertySymbol { IsIndexer: true } p:
            {
                var parameters = Parameters(p.Parameters);
                return new MemberSignature("this[]", MemberKind.Indexer, 0, parameters, "this[" + string.Join(", ", parameters) + "]", inheritedFrom);
            }

            case IPropertySymbol p:
                return new MemberSignature(p.Name, MemberKind.Property, 0, EquatableArray<string>.Empty, p.Name, inheritedFrom);
            case IEventSymbol e when !e.ExplicitInterfaceImplementations.IsEmpty:
                return Explicit(e.ExplicitInterfaceImplementations[0], e.ExplicitInterfaceImplementations[0].Name);
            case IEventSymbol e:
                return new MemberSignature(e.Name, MemberKind.Event, 0, EquatableArray<string>.Empty, e.Name, inheritedFrom);
            case IFieldSymbol f:
                return new MemberSignature(f.Name, MemberKind.Field, 0, EquatableArray<string>.Empty, f.Name, inheritedFrom);
            case INamedTypeSymbol t:
                return new MemberSignature(t.Name, MemberKind.Type, t.Arity, EquatableArray<string>.Empty, t.Name, inheritedFrom);
            default:
                return null;
        }

        MemberSignature Explicit(ISymbol implemented, string name)
        {
            string full = Type(implemented.ContainingType) + "." + name;
            return new MemberSignature(full, MemberKind.ExplicitImplementation, 0, EquatableArray<string>.Empty, full, inheritedFrom);
        }
    }

    /// <summary>
    /// A type spelled without "global::" and spaces, with C# keywords for special types, "?" only on
    /// nullable value types (a nullable reference type is the same type to C#'s duplicate check), and
    /// the model's nested types by their simple names. The generated code's nested types do not exist
    /// yet when the user's members are read, so the user's references to them are error types,
    /// spelled as written.
    /// </summary>
    public static string CanonicalType(ITypeSymbol type, string modelName, string? ns)
    {
        string text;
        switch (type)
        {
            case IArrayTypeSymbol array:
                text = CanonicalType(array.ElementType, modelName, ns) + "[" + new string(',', array.Rank - 1) + "]";
                break;
            case IPointerTypeSymbol pointer:
                text = CanonicalType(pointer.PointedAtType, modelName, ns) + "*";
                break;
            case IDynamicTypeSymbol:
                text = "object";
                break;
            case INamedTypeSymbol { IsValueType: true, OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable:
                text = CanonicalType(nullable.TypeArguments[0], modelName, ns) + "?";
                break;
            case INamedTypeSymbol { IsTupleType: true } tuple:
                text = "(" + string.Join(",", tuple.TupleElements.Select(e => CanonicalType(e.Type, modelName, ns))) + ")";
                break;
            case INamedTypeSymbol named:
            {
                string container = named.ContainingType is { } outer
                    ? CanonicalType(outer, modelName, ns) + "."
                    : NamespaceName(named.ContainingNamespace) is { } n ? n + "." : "";
                text = container + named.Name + (named.TypeArguments.IsEmpty ? "" : "<" + string.Join(",", named.TypeArguments.Select(a => CanonicalType(a, modelName, ns))) + ">");
                break;
            }

            default:
                text = type.Name;
                break;
        }

        return Simplify(Keyword(text), modelName, ns);
    }

    /// <summary>A namespace's name as its parts joined with dots, unescaped ("class.Models" for @class.Models), or <see langword="null"/> for the global namespace.</summary>
    public static string? NamespaceName(INamespaceSymbol? ns)
    {
        var parts = new List<string>();
        for (var n = ns; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace)
        {
            parts.Add(n.Name);
        }

        parts.Reverse();
        return parts.Count == 0 ? null : string.Join(".", parts);
    }

    /// <summary>"System.Int32" → "int": the keyword of a special type spelled in full.</summary>
    public static string Keyword(string text) => text switch
    {
        "System.Boolean" => "bool",
        "System.Byte" => "byte",
        "System.SByte" => "sbyte",
        "System.Char" => "char",
        "System.Int16" => "short",
        "System.UInt16" => "ushort",
        "System.Int32" => "int",
        "System.UInt32" => "uint",
        "System.Int64" => "long",
        "System.UInt64" => "ulong",
        "System.IntPtr" => "nint",
        "System.UIntPtr" => "nuint",
        "System.Single" => "float",
        "System.Double" => "double",
        "System.Decimal" => "decimal",
        "System.String" => "string",
        "System.Object" => "object",
        "System.Void" => "void",
        _ => text,
    };

    /// <summary>A type nested in the model ("Samples.M.State", "M.State") by its simple name ("State").</summary>
    public static string Simplify(string text, string modelName, string? ns)
    {
        string qualified = (ns is null ? "" : ns + ".") + modelName + ".";
        if (text.StartsWith(qualified, System.StringComparison.Ordinal))
        {
            return text.Substring(qualified.Length);
        }

        return text.StartsWith(modelName + ".", System.StringComparison.Ordinal) ? text.Substring(modelName.Length + 1) : text;
    }

    public static string Simplify(string text, ModelSpec spec) => Simplify(text, spec.ClassName, spec.Namespace);
}
