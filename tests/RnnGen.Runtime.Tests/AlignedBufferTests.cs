using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class AlignedBufferTests
    {
        [Theory]
        [InlineData(1)]
        [InlineData(3)]
        [InlineData(16)]
        [InlineData(17)]
        [InlineData(1000)]
        [InlineData(123457)]
        public unsafe void IsAlignedTo64BytesAndZeroInitialised(int length)
        {
            using var buffer = new AlignedBuffer(length);
            Assert.Equal(length, buffer.Length);
            nuint address = (nuint)Unsafe.AsPointer(ref buffer.Reference);
            Assert.Equal(0u, (uint)(address % 64));
            Span<float> span = buffer.AsSpan();
            Assert.Equal(length, span.Length);
            Assert.True(Unsafe.AreSame(ref buffer.Reference, ref span[0]));
            foreach (float value in span)
            {
                Assert.Equal(0f, value);
            }
        }

        [Fact]
        public void ManyBuffersAreAllAligned()
        {
            var buffers = new AlignedBuffer[200];
            try
            {
                for (int i = 0; i < buffers.Length; i++)
                {
                    buffers[i] = new AlignedBuffer(1 + (i * 7));
                    unsafe
                    {
                        Assert.Equal(0u, (uint)((nuint)Unsafe.AsPointer(ref buffers[i].Reference) % 64));
                    }
                }
            }
            finally
            {
                foreach (AlignedBuffer? buffer in buffers)
                {
                    buffer?.Dispose();
                }
            }
        }

        [Fact]
        public void ReferenceSupportsUncheckedVectorAccess()
        {
            using var buffer = new AlignedBuffer(48);
            ref float origin = ref buffer.Reference;
            Vector512.Create(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f, 16f).StoreUnsafe(ref origin, 16);
            Span<float> span = buffer.AsSpan();
            for (int i = 0; i < 48; i++)
            {
                Assert.Equal(i >= 16 && i < 32 ? i - 15 : 0, span[i]);
            }

            Assert.Equal(136f, Vector512.Sum(Vector512.LoadUnsafe(ref origin, 16)));
        }

        [Fact]
        public void PartialSpansAreViewsAndRangeChecked()
        {
            using var buffer = new AlignedBuffer(10);
            Span<float> part = buffer.AsSpan(3, 4);
            part.Fill(2f);
            Assert.Equal(new float[] { 0, 0, 0, 2, 2, 2, 2, 0, 0, 0 }, buffer.AsSpan().ToArray());
            Assert.Equal(0, buffer.AsSpan(10, 0).Length);
            Assert.Equal(10, buffer.AsSpan(0, 10).Length);
            Assert.Equal("start", Assert.Throws<ArgumentOutOfRangeException>(() => buffer.AsSpan(11, 0)).ParamName);
            Assert.Equal("start", Assert.Throws<ArgumentOutOfRangeException>(() => buffer.AsSpan(-1, 2)).ParamName);
            Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => buffer.AsSpan(5, 6)).ParamName);
            Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => buffer.AsSpan(0, -1)).ParamName);
            Assert.Throws<ArgumentOutOfRangeException>(() => buffer.AsSpan(int.MaxValue, int.MaxValue));
        }

        [Fact]
        public void VersionStartsAtZeroAndOnlyMarkModifiedAdvancesIt()
        {
            using var buffer = new AlignedBuffer(4);
            Assert.Equal(0, buffer.Version);
            buffer.AsSpan().Fill(1f);
            buffer.Reference = 2f;
            buffer.Clear();
            Assert.Equal(0, buffer.Version);
            buffer.MarkModified();
            buffer.MarkModified();
            Assert.Equal(2, buffer.Version);
        }

        [Fact]
        public void ClearZeroesEverything()
        {
            using var buffer = new AlignedBuffer(33);
            buffer.AsSpan().Fill(-1.5f);
            buffer.Clear();
            Assert.All(buffer.AsSpan().ToArray(), value => Assert.Equal(0f, value));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(-1)]
        [InlineData(int.MinValue)]
        public void NonPositiveLengthThrows(int length)
        {
            Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer(length)).ParamName);
        }

        [Fact]
        public void DisposedBufferThrowsAndDisposeIsIdempotent()
        {
            var buffer = new AlignedBuffer(8);
            buffer.Dispose();
            buffer.Dispose();
            Assert.Throws<ObjectDisposedException>(() => buffer.AsSpan());
            Assert.Throws<ObjectDisposedException>(() => buffer.AsSpan(0, 1));
            Assert.Throws<ObjectDisposedException>(() => buffer.Clear());
            Assert.Throws<ObjectDisposedException>(() => buffer.Reference);
            Assert.Equal(8, buffer.Length);
        }

        [Fact]
        public void UndisposedBuffersAreReleasedByTheFinalizer()
        {
            WeakReference reference = CreateAndDrop();
            for (int i = 0; i < 10 && reference.IsAlive; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.False(reference.IsAlive);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static WeakReference CreateAndDrop()
        {
            return new WeakReference(new AlignedBuffer(1 << 16), trackResurrection: true);
        }
    }
}
