namespace RnnGen
{
    /// <summary>One tensor described by a safetensors header.</summary>
    internal sealed class SafeTensorsEntry
    {
        public SafeTensorsEntry(string name, string dtype, int[] shape, int length, long begin, long end)
        {
            Name = name;
            DType = dtype;
            Shape = shape;
            Length = length;
            Begin = begin;
            End = end;
        }

        /// <summary>Gets the tensor name.</summary>
        public string Name { get; }

        /// <summary>Gets the element type, for example <c>F32</c>.</summary>
        public string DType { get; }

        /// <summary>Gets the dimensions, outermost first.</summary>
        public int[] Shape { get; }

        /// <summary>Gets the number of elements.</summary>
        public int Length { get; }

        /// <summary>Gets the offset of the first byte, relative to the start of the data section.</summary>
        public long Begin { get; }

        /// <summary>Gets the offset just past the last byte, relative to the start of the data section.</summary>
        public long End { get; }
    }
}
