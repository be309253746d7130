using System.Globalization;
using RnnGen.Generator.Planning;

namespace RnnGen.Generator.Emission;

/// <summary>Small spelling helpers shared by the emitters.</summary>
internal static class Code
{
    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    public const string Activations = "global::RnnGen.Numerics.Activations";

    /// <summary>The runtime's sigmoid a model evaluates: the exact one, or the rational approximation (<c>ActivationMath.Rational</c>).</summary>
    public static string Sigmoid(bool rational) => rational ? "RationalSigmoid" : "Sigmoid";

    /// <summary>The runtime's tanh a model evaluates: the exact one, or the rational approximation (<c>ActivationMath.Rational</c>).</summary>
    public static string Tanh(bool rational) => rational ? "RationalTanh" : "Tanh";
    public const string Simd = "global::RnnGen.Numerics.Simd";
    public const string AggressiveInlining = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    /// <summary>
    /// Put on every SIMD kernel: the JIT compiles it fully optimised on its first call instead of
    /// running unoptimised code (its vector helpers not inlined) until tiered compilation replaces it.
    /// </summary>
    public const string AggressiveOptimization = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    /// <summary>A name as a C# identifier: "@class" for a keyword (a user's class or namespace may be named one, written with @).</summary>
    public static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    /// <summary>A dotted name ("Samples.Models") with each part an identifier.</summary>
    public static string DottedName(string name) => string.Join(".", System.Array.ConvertAll(name.Split('.'), Identifier));

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A float literal that round-trips, in invariant culture: "0.0883883461f".</summary>
    public static string Float(double value) =>
        ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

    /// <summary>
    /// "ref At(ref origin, offset)", or "ref origin" when the offset is the literal 0. <c>At</c> is the
    /// generated Kernels class's one-line wrapper of Unsafe.Add; <paramref name="helper"/> names it
    /// from outside that class.
    /// </summary>
    public static string RefAt(string origin, string offset, string helper = "At") =>
        offset == "0" ? "ref " + origin : $"ref {helper}(ref {origin}, {offset})";

    /// <summary>
    /// "constant + index" with the constant folded away when zero, or added into the index when
    /// the index is itself a constant (a tail block).
    /// </summary>
    public static string Offset(long constant, string index)
    {
        if (int.TryParse(index, NumberStyles.Integer, CultureInfo.InvariantCulture, out int fixedIndex))
        {
            return Int(constant + fixedIndex);
        }

        return constant == 0 ? index : Int(constant) + " + " + index;
    }

    /// <summary>
    /// Emits <paramref name="body"/> over [0, length): a loop over whole vectors of
    /// <paramref name="tier"/> with index <paramref name="variable"/>, then one scope per tail piece
    /// of a narrower tier at its constant offset. The body receives the tier and the index
    /// expression (the variable, or the offset as a literal).
    /// </summary>
    public static void OverBlocks(IndentedWriter w, VectorTier tier, int length, string variable, System.Action<VectorTier, string> body)
    {
        var (mainEnd, tail) = tier.Split(length);
        if (mainEnd > 0)
        {
            using (w.Open(VectorLoop(variable, mainEnd, tier)))
            {
                body(tier, variable);
            }
        }

        foreach (var (narrower, offset) in tail)
        {
            using (w.Scope())
            {
                body(narrower, Int(offset));
            }
        }
    }

    /// <summary>The loop header over whole vectors of a tier: "for (int j = 0; j &lt; 96; j += 16)".</summary>
    public static string VectorLoop(string variable, int end, VectorTier tier) =>
        tier.IsScalar
            ? $"for (int {variable} = 0; {variable} < {Int(end)}; {variable}++)"
            : $"for (int {variable} = 0; {variable} < {Int(end)}; {variable} += {Int(tier.Width)})";
}
