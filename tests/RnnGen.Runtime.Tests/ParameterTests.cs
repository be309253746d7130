using System;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class ParameterTests
    {
        [Fact]
        public void ValueAndGradientAreViewsAtTheOffset()
        {
            using var values = new AlignedBuffer(20);
            using var gradients = new AlignedBuffer(20);
            var parameter = new Parameter("lstm.weight_ih_l0", new[] { 3, 4 }, values, gradients, 5);
            Assert.Equal(12, parameter.Length);
            Assert.Equal(new[] { 3, 4 }, parameter.Shape);
            Assert.Equal("lstm.weight_ih_l0", parameter.Name);

            parameter.Value.Fill(1f);
            parameter.Gradient.Fill(2f);
            for (int i = 0; i < 20; i++)
            {
                bool inside = i >= 5 && i < 17;
                Assert.Equal(inside ? 1f : 0f, values.AsSpan()[i]);
                Assert.Equal(inside ? 2f : 0f, gradients.AsSpan()[i]);
            }

            values.AsSpan()[5] = 42f;
            Assert.Equal(42f, parameter.Value[0]);
        }

        [Fact]
        public void ValueMarksTheValueBufferModifiedButGradientDoesNot()
        {
            using var values = new AlignedBuffer(8);
            using var gradients = new AlignedBuffer(8);
            var parameter = new Parameter("dense.bias", new[] { 4 }, values, gradients, 2);
            long before = values.Version;

            parameter.Gradient.Fill(1f);
            Assert.Equal(before, values.Version);
            Assert.Equal(0, gradients.Version);

            parameter.Value[0] = 3f;
            long after = values.Version;
            Assert.True(after > before);
            _ = parameter.Value;
            Assert.True(values.Version > after);
        }

        [Fact]
        public void ScalarShapeHasOneElement()
        {
            using var values = new AlignedBuffer(2);
            using var gradients = new AlignedBuffer(2);
            var parameter = new Parameter("scale", Array.Empty<int>(), values, gradients, 1);
            Assert.Equal(1, parameter.Length);
            Assert.Empty(parameter.Shape);
            Assert.Equal("scale []", parameter.ToString());
        }

        [Fact]
        public void ToStringShowsNameAndShape()
        {
            using var values = new AlignedBuffer(512 * 32);
            using var gradients = new AlignedBuffer(512 * 32);
            Assert.Equal("lstm.weight_ih_l0 [512, 32]", new Parameter("lstm.weight_ih_l0", new[] { 512, 32 }, values, gradients, 0).ToString());
            Assert.Equal("dense.bias [7]", new Parameter("dense.bias", new[] { 7 }, values, gradients, 0).ToString());
        }

        [Fact]
        public void ShapeIsCopied()
        {
            using var values = new AlignedBuffer(6);
            using var gradients = new AlignedBuffer(6);
            int[] shape = { 2, 3 };
            var parameter = new Parameter("w", shape, values, gradients, 0);
            shape[0] = 100;
            Assert.Equal(new[] { 2, 3 }, parameter.Shape);
        }

        [Fact]
        public void InvalidArgumentsThrow()
        {
            using var values = new AlignedBuffer(10);
            using var gradients = new AlignedBuffer(10);
            using var small = new AlignedBuffer(4);
            Assert.Throws<ArgumentNullException>(() => new Parameter(null!, new[] { 2 }, values, gradients, 0));
            Assert.Throws<ArgumentNullException>(() => new Parameter("w", null!, values, gradients, 0));
            Assert.Throws<ArgumentNullException>(() => new Parameter("w", new[] { 2 }, null!, gradients, 0));
            Assert.Throws<ArgumentNullException>(() => new Parameter("w", new[] { 2 }, values, null!, 0));
            Assert.Equal("name", Assert.Throws<ArgumentException>(() => new Parameter(" ", new[] { 2 }, values, gradients, 0)).ParamName);
            Assert.Equal("shape", Assert.Throws<ArgumentException>(() => new Parameter("w", new[] { 2, 0 }, values, gradients, 0)).ParamName);
            Assert.Equal("shape", Assert.Throws<ArgumentException>(() => new Parameter("w", new[] { -1 }, values, gradients, 0)).ParamName);
            Assert.Equal("shape", Assert.Throws<ArgumentException>(() => new Parameter("w", new[] { 65536, 65536 }, values, gradients, 0)).ParamName);
            Assert.Equal("gradients", Assert.Throws<ArgumentException>(() => new Parameter("w", new[] { 2 }, values, values, 0)).ParamName);
            Assert.Equal("offset", Assert.Throws<ArgumentOutOfRangeException>(() => new Parameter("w", new[] { 2 }, values, gradients, -1)).ParamName);
            Assert.Equal("offset", Assert.Throws<ArgumentOutOfRangeException>(() => new Parameter("w", new[] { 2, 3 }, values, gradients, 5)).ParamName);
            Assert.Equal("offset", Assert.Throws<ArgumentOutOfRangeException>(() => new Parameter("w", new[] { 5 }, values, small, 0)).ParamName);
            Assert.Equal(10, new Parameter("w", new[] { 2, 5 }, values, gradients, 0).Length);
        }

        [Fact]
        public void ViewsOfADisposedBufferThrow()
        {
            var values = new AlignedBuffer(4);
            using var gradients = new AlignedBuffer(4);
            var parameter = new Parameter("w", new[] { 4 }, values, gradients, 0);
            values.Dispose();
            Assert.Throws<ObjectDisposedException>(() => parameter.Value.Length);
            Assert.Equal(4, parameter.Gradient.Length);
        }
    }
}
