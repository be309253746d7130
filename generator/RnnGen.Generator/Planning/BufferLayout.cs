using System.Collections.Generic;

namespace RnnGen.Generator.Planning;

/// <summary>
/// Lays out named regions in one float buffer, each starting on a 64-byte (16-float) boundary so
/// that every region is as aligned as the buffer itself.
/// </summary>
internal sealed class BufferLayout
{
    /// <summary>Alignment of every region, in floats (64 bytes).</summary>
    public const int AlignmentFloats = 16;

    private readonly List<BufferRegion> _regions = new();

    public BufferLayout(string description) => Description = description;

    /// <summary>What the buffer holds, for comments and diagnostics.</summary>
    public string Description { get; }

    /// <summary>Floats the buffer needs (at least one, so empty layouts still allocate).</summary>
    public long Length { get; private set; }

    public IReadOnlyList<BufferRegion> Regions => _regions;

    /// <summary>
    /// Adds a region on the next 64-byte boundary or, with <paramref name="contiguous"/>, right after the
    /// previous region (the matrices of a fused product form one matrix).
    /// </summary>
    public BufferRegion Add(string name, long length, string shape, bool contiguous = false)
    {
        long offset = contiguous ? _end : Length;
        var region = new BufferRegion(name, offset, length, shape);
        _regions.Add(region);
        _end = offset + length;
        Length = (_end + AlignmentFloats - 1) / AlignmentFloats * AlignmentFloats;
        return region;
    }

    /// <summary>The end of the last region, before its padding.</summary>
    private long _end;
}

/// <summary>One named region of a <see cref="BufferLayout"/>.</summary>
/// <param name="Name">Identifier used for the generated offset constant.</param>
/// <param name="Offset">Start, in floats.</param>
/// <param name="Length">Length, in floats.</param>
/// <param name="Shape">Shape in words, for the generated comment (e.g. "[T, B, 4H]").</param>
internal sealed record BufferRegion(string Name, long Offset, long Length, string Shape);
