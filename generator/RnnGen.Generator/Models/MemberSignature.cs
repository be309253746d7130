namespace RnnGen.Generator.Models;

/// <summary>What kind of member a <see cref="MemberSignature"/> is: the kinds C# tells apart when it checks for duplicates.</summary>
internal enum MemberKind
{
    Method,
    Constructor,
    StaticConstructor,
    Property,
    Indexer,
    Field,
    Event,
    Type,

    /// <summary>An explicit interface implementation; its name is "Interface.Member", so it clashes only with the same one.</summary>
    ExplicitImplementation,
}

/// <summary>
/// One member of a class as C# compares members for duplicates: its name, kind, generic arity and,
/// for methods and constructors, its parameter types (in a canonical spelling, "ref " before a
/// by-reference parameter). Must stay cacheable: plain values only.
/// </summary>
/// <param name="Name">The member's name (for an accessor, its method name: get_X, set_X).</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Arity">Type parameters of a generic method or nested type.</param>
/// <param name="Parameters">Parameter types of a method, constructor or indexer; empty otherwise.</param>
/// <param name="Display">The member as a reader would write it, for messages: "Forward(ReadOnlySpan&lt;int&gt;, Span&lt;float&gt;)".</param>
/// <param name="InheritedFrom">For a member of a base class, that class's name; otherwise <see langword="null"/>.</param>
internal sealed record MemberSignature(string Name, MemberKind Kind, int Arity, EquatableArray<string> Parameters, string Display, string? InheritedFrom = null)
{
    /// <summary>Methods and constructors: members that may share a name when their parameters differ.</summary>
    public bool IsOverloadable => Kind is MemberKind.Method or MemberKind.Constructor or MemberKind.Indexer;

    /// <summary>
    /// Whether C# rejects (or, for an inherited member, hides with a warning) <paramref name="other"/>
    /// beside this member in one class: the same name with a different kind, or the same signature.
    /// Overloads with different parameter lists, and nested types of different arity, are allowed.
    /// </summary>
    public bool ClashesWith(MemberSignature other)
    {
        if (Name != other.Name)
        {
            return false;
        }

        if (Kind == MemberKind.Type && other.Kind == MemberKind.Type)
        {
            return Arity == other.Arity;
        }

        if (IsOverloadable && other.IsOverloadable)
        {
            // C# compares parameter types and whether each is by reference (ref, out and in count as one).
            return Kind == other.Kind && Arity == other.Arity && Parameters.Equals(other.Parameters);
        }

        return true;
    }
}
