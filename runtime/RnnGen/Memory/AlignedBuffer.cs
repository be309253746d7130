using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace RnnGen
{
    /// <summary>
    /// A block of native memory holding <see cref="float"/> values, aligned to 64 bytes (one cache
    /// line, and the width of a <c>Vector512&lt;float&gt;</c>) and zero-initialised.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Generated models keep their parameters, gradients, activations and optimizer state in
    /// aligned buffers so that SIMD loads and stores never straddle cache lines and the garbage
    /// collector never moves or scans the data.
    /// </para>
    /// <para>
    /// The memory is released by <see cref="Dispose"/>, or by the finalizer if the buffer is not
    /// disposed. Spans and references obtained before disposal must not be used afterwards.
    /// Instances are not thread-safe, except that <see cref="Dispose"/> may race with itself and the
    /// finalizer safely.
    /// </para>
    /// </remarks>
    public sealed unsafe class AlignedBuffer : IDisposable
    {
        /// <summary>The alignment, in bytes, of the first element.</summary>
        private const nuint Alignment = 64;

        private nint _address;

        /// <summary>
        /// Allocates a zero-initialised buffer of <paramref name="length"/> floats aligned to 64 bytes.
        /// </summary>
        /// <param name="length">The number of elements. Must be at least 1.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is less than 1, or
        /// the size in bytes does not fit in the address space.</exception>
        /// <exception cref="OutOfMemoryException">The memory could not be allocated.</exception>
        public AlignedBuffer(int length)
        {
            if (length < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(length), length, "The buffer length must be at least 1.");
            }

            ulong bytes = (ulong)length * sizeof(float);
            if (bytes > nuint.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(length), length, "The buffer is too large for this process's address space.");
            }

            void* pointer = NativeMemory.AlignedAlloc((nuint)bytes, Alignment);
            NativeMemory.Clear(pointer, (nuint)bytes);
            _address = (nint)pointer;
            Length = length;
            GC.AddMemoryPressure((long)bytes);
        }

        /// <summary>Releases the native memory if <see cref="Dispose"/> was not called.</summary>
        ~AlignedBuffer()
        {
            Free();
        }

        /// <summary>Gets the number of <see cref="float"/> elements in the buffer.</summary>
        public int Length { get; }

        /// <summary>
        /// Gets a counter that <see cref="MarkModified"/> advances. Code that keeps data derived from
        /// the contents (a generated model keeps its weights repacked into the layout its kernels
        /// read) records the version it derived them from and derives them again when it changes.
        /// </summary>
        /// <remarks>
        /// The buffer cannot see writes made through spans or references, so whoever writes must
        /// call <see cref="MarkModified"/>. <see cref="Parameter.Value"/> does so each time it hands
        /// out a span, which covers optimizers, weight-file loading and user code that writes
        /// parameters through it.
        /// </remarks>
        public long Version { get; private set; }

        /// <summary>
        /// Records that the contents may have changed, by advancing <see cref="Version"/>. Call it
        /// before (or after) writing through a span or reference and before the buffer is next read
        /// by code that caches data derived from it.
        /// </summary>
        public void MarkModified()
        {
            Version++;
        }

        /// <summary>
        /// Gets a reference to element 0. Generated SIMD code reads and writes through it, for example
        /// <c>Vector512.LoadUnsafe(ref buffer.Reference, (nuint)offset)</c>; such accesses are not
        /// bounds-checked, so offsets must stay within <see cref="Length"/>.
        /// </summary>
        /// <exception cref="ObjectDisposedException">The buffer has been disposed.</exception>
        public ref float Reference
        {
            get
            {
                return ref *(float*)CheckedAddress();
            }
        }

        /// <summary>Gets a span over the whole buffer.</summary>
        /// <returns>A span of <see cref="Length"/> elements.</returns>
        /// <exception cref="ObjectDisposedException">The buffer has been disposed.</exception>
        public Span<float> AsSpan()
        {
            return new Span<float>((void*)CheckedAddress(), Length);
        }

        /// <summary>Gets a span over part of the buffer.</summary>
        /// <param name="start">The index of the first element.</param>
        /// <param name="length">The number of elements.</param>
        /// <returns>A span of <paramref name="length"/> elements starting at <paramref name="start"/>.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> or
        /// <paramref name="length"/> is negative, or the range extends past the end of the buffer.</exception>
        /// <exception cref="ObjectDisposedException">The buffer has been disposed.</exception>
        public Span<float> AsSpan(int start, int length)
        {
            nint address = CheckedAddress();
            if ((uint)start > (uint)Length)
            {
                ThrowRange(nameof(start), start, Length);
            }

            if ((uint)length > (uint)(Length - start))
            {
                ThrowRange(nameof(length), length, Length - start);
            }

            return new Span<float>((float*)address + start, length);
        }

        /// <summary>Sets every element to zero.</summary>
        /// <exception cref="ObjectDisposedException">The buffer has been disposed.</exception>
        public void Clear()
        {
            NativeMemory.Clear((void*)CheckedAddress(), (nuint)Length * sizeof(float));
        }

        /// <summary>Releases the native memory. Calling it more than once has no further effect.</summary>
        public void Dispose()
        {
            Free();
            GC.SuppressFinalize(this);
        }

        private nint CheckedAddress()
        {
            nint address = _address;
            if (address == 0)
            {
                ThrowDisposed();
            }

            return address;
        }

        private void Free()
        {
            nint address = Interlocked.Exchange(ref _address, 0);
            if (address != 0)
            {
                NativeMemory.AlignedFree((void*)address);
                GC.RemoveMemoryPressure((long)Length * sizeof(float));
            }
        }

        private static void ThrowDisposed()
        {
            throw new ObjectDisposedException(nameof(AlignedBuffer));
        }

        private static void ThrowRange(string name, int value, int limit)
        {
            throw new ArgumentOutOfRangeException(name, value, $"The value must be between 0 and {limit}.");
        }
    }
}
