using System;
using System.Collections.Generic;
using RnnGen;

namespace RnnGen.Runtime.Tests
{
    /// <summary>A set of parameters laid out back to back in one value buffer and one gradient buffer.</summary>
    internal sealed class TestParameters : IDisposable
    {
        public TestParameters(params (string Name, int[] Shape)[] specifications)
        {
            int total = 0;
            foreach ((string _, int[] shape) in specifications)
            {
                total += Product(shape);
            }

            Values = new AlignedBuffer(Math.Max(total, 1));
            Gradients = new AlignedBuffer(Math.Max(total, 1));
            var list = new List<Parameter>();
            int offset = 0;
            foreach ((string name, int[] shape) in specifications)
            {
                list.Add(new Parameter(name, shape, Values, Gradients, offset));
                offset += Product(shape);
            }

            List = list;
        }

        public AlignedBuffer Values { get; }

        public AlignedBuffer Gradients { get; }

        public List<Parameter> List { get; }

        public Parameter this[int index] => List[index];

        public static int Product(int[] shape)
        {
            int product = 1;
            foreach (int dimension in shape)
            {
                product *= dimension;
            }

            return product;
        }

        public void FillRandom(ulong seed)
        {
            var random = new RandomSource(seed);
            Initializers.Normal(Values.AsSpan(), random, 1f);
            Initializers.Normal(Gradients.AsSpan(), random, 1f);
        }

        public float[] SnapshotValues() => Values.AsSpan().ToArray();

        public float[] SnapshotGradients() => Gradients.AsSpan().ToArray();

        public void Dispose()
        {
            Values.Dispose();
            Gradients.Dispose();
        }
    }
}
