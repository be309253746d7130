using System.Collections.Generic;

namespace RnnGen.Generator.Planning;

/// <summary>
/// One rung of the width ladder the generated kernels climb: Vector512 → Vector256 → Vector128 →
/// scalar. Each tier knows how to spell its type, loads, stores and broadcasts, so a kernel body is
/// written once and emitted for every width. A kernel for width W handles the last n mod W
/// elements with the narrower tiers (constant offsets, since every size is known), never with a
/// masked or overlapping access, so in-place updates stay correct.
/// </summary>
internal sealed class VectorTier
{
    private const string Intrinsics = "global::System.Runtime.Intrinsics.";

    public static readonly VectorTier V512 = new("Vector512", 16);
    public static readonly VectorTier V256 = new("Vector256", 8);
    public static readonly VectorTier V128 = new("Vector128", 4);
    public static readonly VectorTier Scalar = new("Scalar", 1);

    /// <summary>The ladder, widest first.</summary>
    public static readonly IReadOnlyList<VectorTier> All = [V512, V256, V128, Scalar];

    private VectorTier(string name, int width)
    {
        Name = name;
        Width = width;
    }

    /// <summary>"Vector512", …, or "Scalar".</summary>
    public string Name { get; }

    /// <summary>Floats per vector.</summary>
    public int Width { get; }

    public bool IsScalar => Width == 1;

    /// <summary>The C# type of one vector of this tier.</summary>
    public string Type => IsScalar ? "float" : Intrinsics + Name + "<float>";

    /// <summary>The condition under which this tier is the widest one to use.</summary>
    public string Condition => Intrinsics + Name + ".IsHardwareAccelerated";

    public string Zero => IsScalar ? "0f" : Type + ".Zero";

    public string One => IsScalar ? "1f" : Type + ".One";

    /// <summary>The next narrower tier, or <see langword="null"/> for scalar.</summary>
    public VectorTier? Narrower => Width switch { 16 => V256, 8 => V128, 4 => Scalar, _ => null };

    public string Load(string reference, string offset) =>
        IsScalar
            ? $"At(ref {reference}, {offset})"
            : $"{Intrinsics}{Name}.LoadUnsafe(ref {reference}, (uint)({offset}))";

    public string Store(string value, string reference, string offset) =>
        IsScalar
            ? $"At(ref {reference}, {offset}) = {value};"
            : $"{Intrinsics}{Name}.StoreUnsafe({value}, ref {reference}, (uint)({offset}));";

    public string Broadcast(string scalar) => IsScalar ? scalar : $"{Intrinsics}{Name}.Create({scalar})";

    /// <summary>
    /// Lane <paramref name="lane"/> of <paramref name="vector"/> in every lane, without a trip through memory:
    /// lane 0 by a broadcast, any other by a shuffle with constant indices (one permute).
    /// </summary>
    public string BroadcastLane(string vector, int lane) =>
        lane == 0
            ? $"{Intrinsics}{Name}.Create({Intrinsics}{Name}.ToScalar({vector}))"
            : $"{Intrinsics}{Name}.Shuffle({vector}, {Intrinsics}{Name}.Create({lane.ToString(System.Globalization.CultureInfo.InvariantCulture)}))";

    /// <summary>The sum of the lanes of <paramref name="vector"/>.</summary>
    public string Sum(string vector) => IsScalar ? vector : $"{Intrinsics}{Name}.Sum({vector})";

    /// <summary><c>condition &gt; 0 ? value : 0</c> lane by lane.</summary>
    public string SelectPositive(string condition, string value) =>
        IsScalar
            ? $"({condition} > 0f ? {value} : 0f)"
            : $"{Intrinsics}{Name}.ConditionalSelect({Intrinsics}{Name}.GreaterThan({condition}, {Zero}), {value}, {Zero})";

    /// <summary>
    /// Splits [0, length) into whole vectors of this tier, [0, MainEnd), and a tail of narrower
    /// pieces at constant offsets.
    /// </summary>
    public (int MainEnd, IReadOnlyList<(VectorTier Tier, int Offset)> Tail) Split(int length)
    {
        int mainEnd = length - (length % Width);
        var tail = new List<(VectorTier, int)>();
        int offset = mainEnd;
        // What is left is shorter than one vector of this tier, so each narrower vector tier is
        // needed at most once; the scalar tier takes the last one to three elements.
        for (VectorTier? t = Narrower; t is not null; t = t.Narrower)
        {
            while (length - offset >= t.Width)
            {
                tail.Add((t, offset));
                offset += t.Width;
                if (!t.IsScalar)
                {
                    break;
                }
            }
        }

        return (mainEnd, tail);
    }
}
