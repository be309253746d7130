using System;
using System.Buffers.Binary;
using System.IO;

namespace RnnGen.Audio
{
    /// <summary>How a WAV file stores its samples.</summary>
    public enum WavSampleFormat
    {
        /// <summary>16-bit signed integers (PCM).</summary>
        Pcm16 = 0,

        /// <summary>24-bit signed integers (PCM).</summary>
        Pcm24 = 1,

        /// <summary>32-bit IEEE floats.</summary>
        Float32 = 2,

        /// <summary>8-bit unsigned integers (PCM, read only).</summary>
        Pcm8 = 3,

        /// <summary>32-bit signed integers (PCM, read only).</summary>
        Pcm32 = 4,

        /// <summary>64-bit IEEE floats (read only).</summary>
        Float64 = 5,
    }

    /// <summary>The samples of a WAV file as floats: interleaved channels, full scale ±1.</summary>
    /// <param name="SampleRate">Frames per second.</param>
    /// <param name="Channels">Samples per frame.</param>
    /// <param name="Format">How the file stored them.</param>
    /// <param name="Samples">The samples, frame after frame, channel after channel within a frame.</param>
    public sealed record WavAudio(int SampleRate, int Channels, WavSampleFormat Format, float[] Samples)
    {
        /// <summary>Gets the number of frames (samples per channel).</summary>
        public int Frames => Samples.Length / Channels;

        /// <summary>One channel's samples.</summary>
        /// <param name="channel">The channel, 0 … Channels − 1.</param>
        /// <returns>A new array of <see cref="Frames"/> samples.</returns>
        public float[] Channel(int channel)
        {
            if ((uint)channel >= (uint)Channels)
            {
                throw new ArgumentOutOfRangeException(nameof(channel), channel, $"The file has {Channels} channel(s).");
            }

            var values = new float[Frames];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = Samples[(i * Channels) + channel];
            }

            return values;
        }
    }

    /// <summary>
    /// Reads and writes WAV (RIFF/WAVE) files: 8-, 16-, 24- and 32-bit PCM and 32- and 64-bit float,
    /// including the WAVE_FORMAT_EXTENSIBLE header; writes 16- and 24-bit PCM and 32-bit float.
    /// </summary>
    /// <remarks>
    /// Integer samples map to floats by dividing by 2^(bits − 1) (8-bit samples are unsigned, centred on
    /// 128), and back by multiplying, rounding to nearest and clamping to the format's range, so every
    /// value read from a file is written back unchanged. A file that is not a WAV file this class can
    /// read is an <see cref="InvalidDataException"/> that says what is wrong.
    /// </remarks>
    public static class WavFile
    {
        private const ushort FormatPcm = 1;
        private const ushort FormatFloat = 3;
        private const ushort FormatExtensible = 0xFFFE;

        /// <summary>Reads a WAV file.</summary>
        /// <param name="path">The file.</param>
        /// <returns>Its samples and format.</returns>
        /// <exception cref="InvalidDataException">The file is not a readable WAV file.</exception>
        public static WavAudio Read(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            byte[] bytes = File.ReadAllBytes(path);
            try
            {
                return Parse(bytes);
            }
            catch (InvalidDataException error)
            {
                throw new InvalidDataException($"{path}: {error.Message}", error);
            }
        }

        /// <summary>Reads WAV data from a stream, to its end.</summary>
        /// <param name="stream">The stream.</param>
        /// <returns>Its samples and format.</returns>
        /// <exception cref="InvalidDataException">The data is not a readable WAV file.</exception>
        public static WavAudio Read(Stream stream)
        {
            ArgumentNullException.ThrowIfNull(stream);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return Parse(copy.ToArray());
        }

        /// <summary>Writes a WAV file.</summary>
        /// <param name="path">The file, replaced if it exists.</param>
        /// <param name="samples">Interleaved samples, full scale ±1 (integer formats clamp beyond it).</param>
        /// <param name="sampleRate">Frames per second.</param>
        /// <param name="channels">Samples per frame.</param>
        /// <param name="format"><see cref="WavSampleFormat.Pcm16"/>, <see cref="WavSampleFormat.Pcm24"/> or <see cref="WavSampleFormat.Float32"/>.</param>
        public static void Write(string path, ReadOnlySpan<float> samples, int sampleRate, int channels = 1, WavSampleFormat format = WavSampleFormat.Pcm16)
        {
            ArgumentNullException.ThrowIfNull(path);
            byte[] bytes = Encode(samples, sampleRate, channels, format);
            File.WriteAllBytes(path, bytes);
        }

        /// <summary>Writes WAV data to a stream.</summary>
        /// <param name="stream">The stream.</param>
        /// <param name="samples">Interleaved samples, full scale ±1.</param>
        /// <param name="sampleRate">Frames per second.</param>
        /// <param name="channels">Samples per frame.</param>
        /// <param name="format"><see cref="WavSampleFormat.Pcm16"/>, <see cref="WavSampleFormat.Pcm24"/> or <see cref="WavSampleFormat.Float32"/>.</param>
        public static void Write(Stream stream, ReadOnlySpan<float> samples, int sampleRate, int channels = 1, WavSampleFormat format = WavSampleFormat.Pcm16)
        {
            ArgumentNullException.ThrowIfNull(stream);
            stream.Write(Encode(samples, sampleRate, channels, format));
        }

        private static byte[] Encode(ReadOnlySpan<float> samples, int sampleRate, int channels, WavSampleFormat format)
        {
            if (sampleRate <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate must be positive.");
            }

            if (channels < 1 || channels > 64)
            {
                throw new ArgumentOutOfRangeException(nameof(channels), channels, "A WAV file has 1 to 64 channels here.");
            }

            if (samples.Length % channels != 0)
            {
                throw new ArgumentException($"samples must hold whole frames of {channels} channel(s), but holds {samples.Length}.", nameof(samples));
            }

            int bytesPerSample = format switch
            {
                WavSampleFormat.Pcm16 => 2,
                WavSampleFormat.Pcm24 => 3,
                WavSampleFormat.Float32 => 4,
                _ => throw new ArgumentOutOfRangeException(nameof(format), format, "WAV files are written as Pcm16, Pcm24 or Float32."),
            };
            long dataLength = (long)samples.Length * bytesPerSample;
            if (dataLength > uint.MaxValue - 44)
            {
                throw new ArgumentException("The samples do not fit in a WAV file (4 GiB).", nameof(samples));
            }

            var bytes = new byte[44 + dataLength + (dataLength & 1)];
            var span = bytes.AsSpan();
            "RIFF"u8.CopyTo(span);
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)(bytes.Length - 8));
            "WAVE"u8.CopyTo(span[8..]);
            "fmt "u8.CopyTo(span[12..]);
            BinaryPrimitives.WriteUInt32LittleEndian(span[16..], 16);
            BinaryPrimitives.WriteUInt16LittleEndian(span[20..], format == WavSampleFormat.Float32 ? FormatFloat : FormatPcm);
            BinaryPrimitives.WriteUInt16LittleEndian(span[22..], (ushort)channels);
            BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)sampleRate);
            BinaryPrimitives.WriteUInt32LittleEndian(span[28..], (uint)(sampleRate * channels * bytesPerSample));
            BinaryPrimitives.WriteUInt16LittleEndian(span[32..], (ushort)(channels * bytesPerSample));
            BinaryPrimitives.WriteUInt16LittleEndian(span[34..], (ushort)(8 * bytesPerSample));
            "data"u8.CopyTo(span[36..]);
            BinaryPrimitives.WriteUInt32LittleEndian(span[40..], (uint)dataLength);
            var data = span.Slice(44, (int)dataLength);
            for (int i = 0; i < samples.Length; i++)
            {
                float x = samples[i];
                switch (format)
                {
                    case WavSampleFormat.Pcm16:
                        BinaryPrimitives.WriteInt16LittleEndian(data[(2 * i)..], (short)Quantize(x, 32768));
                        break;
                    case WavSampleFormat.Pcm24:
                        int v = Quantize(x, 8388608);
                        data[3 * i] = (byte)v;
                        data[(3 * i) + 1] = (byte)(v >> 8);
                        data[(3 * i) + 2] = (byte)(v >> 16);
                        break;
                    default:
                        BinaryPrimitives.WriteSingleLittleEndian(data[(4 * i)..], x);
                        break;
                }
            }

            return bytes;
        }

        /// <summary>round(x · scale), clamped to [−scale, scale − 1]; NaN becomes 0.</summary>
        private static int Quantize(float x, int scale)
        {
            if (float.IsNaN(x))
            {
                return 0;
            }

            double v = Math.Round((double)x * scale, MidpointRounding.ToEven);
            return (int)Math.Clamp(v, -scale, scale - 1);
        }

        private static WavAudio Parse(byte[] bytes)
        {
            var span = bytes.AsSpan();
            if (span.Length < 12 || !span[..4].SequenceEqual("RIFF"u8) || !span.Slice(8, 4).SequenceEqual("WAVE"u8))
            {
                throw new InvalidDataException("Not a WAV file: it does not start with a RIFF header of type WAVE.");
            }

            int position = 12;
            ushort tag = 0, channels = 0, blockAlign = 0, bits = 0;
            uint sampleRate = 0;
            bool haveFormat = false;
            ReadOnlySpan<byte> data = default;
            bool haveData = false;
            while (position + 8 <= span.Length)
            {
                var id = span.Slice(position, 4);
                uint size = BinaryPrimitives.ReadUInt32LittleEndian(span[(position + 4)..]);
                int body = position + 8;
                if (size > (uint)(span.Length - body))
                {
                    throw new InvalidDataException($"The chunk '{Name(id)}' at byte {position} declares {size} bytes, but only {span.Length - body} follow: the file is truncated.");
                }

                var chunk = span.Slice(body, (int)size);
                if (id.SequenceEqual("fmt "u8))
                {
                    if (size < 16)
                    {
                        throw new InvalidDataException($"The format chunk has {size} bytes; it needs at least 16.");
                    }

                    tag = BinaryPrimitives.ReadUInt16LittleEndian(chunk);
                    channels = BinaryPrimitives.ReadUInt16LittleEndian(chunk[2..]);
                    sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
                    blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(chunk[12..]);
                    bits = BinaryPrimitives.ReadUInt16LittleEndian(chunk[14..]);
                    if (tag == FormatExtensible)
                    {
                        if (size < 40)
                        {
                            throw new InvalidDataException($"The extensible format chunk has {size} bytes; it needs 40.");
                        }

                        // The sub-format GUID's first two bytes are the format tag (PCM 1 or float 3).
                        tag = BinaryPrimitives.ReadUInt16LittleEndian(chunk[24..]);
                    }

                    haveFormat = true;
                }
                else if (id.SequenceEqual("data"u8))
                {
                    data = chunk;
                    haveData = true;
                    break;
                }

                // Chunks are padded to an even length.
                position = body + (int)size + (int)(size & 1);
            }

            if (!haveFormat)
            {
                throw new InvalidDataException("The file has no format ('fmt ') chunk before its data.");
            }

            if (!haveData)
            {
                throw new InvalidDataException("The file has no data chunk.");
            }

            WavSampleFormat format = (tag, bits) switch
            {
                (FormatPcm, 8) => WavSampleFormat.Pcm8,
                (FormatPcm, 16) => WavSampleFormat.Pcm16,
                (FormatPcm, 24) => WavSampleFormat.Pcm24,
                (FormatPcm, 32) => WavSampleFormat.Pcm32,
                (FormatFloat, 32) => WavSampleFormat.Float32,
                (FormatFloat, 64) => WavSampleFormat.Float64,
                _ => throw new InvalidDataException($"Unsupported sample format: tag {tag} with {bits} bits per sample (supported: 8-, 16-, 24- and 32-bit PCM, 32- and 64-bit float)."),
            };
            if (channels == 0)
            {
                throw new InvalidDataException("The format chunk declares 0 channels.");
            }

            if (sampleRate == 0 || sampleRate > int.MaxValue)
            {
                throw new InvalidDataException($"The format chunk declares a sample rate of {sampleRate}.");
            }

            int bytesPerSample = bits / 8;
            if (blockAlign != channels * bytesPerSample)
            {
                throw new InvalidDataException($"The block alignment is {blockAlign} bytes, but {channels} channel(s) of {bits} bits need {channels * bytesPerSample}.");
            }

            if (data.Length % blockAlign != 0)
            {
                throw new InvalidDataException($"The data chunk holds {data.Length} bytes, not a whole number of {blockAlign}-byte frames.");
            }

            var samples = new float[data.Length / bytesPerSample];
            for (int i = 0; i < samples.Length; i++)
            {
                var s = data.Slice(i * bytesPerSample, bytesPerSample);
                samples[i] = format switch
                {
                    WavSampleFormat.Pcm8 => (s[0] - 128) / 128f,
                    WavSampleFormat.Pcm16 => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
                    WavSampleFormat.Pcm24 => ((s[0] | (s[1] << 8) | ((sbyte)s[2] << 16)) / 8388608f),
                    WavSampleFormat.Pcm32 => (float)(BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648.0),
                    WavSampleFormat.Float32 => BinaryPrimitives.ReadSingleLittleEndian(s),
                    _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
                };
            }

            return new WavAudio((int)sampleRate, channels, format, samples);
        }

        private static string Name(ReadOnlySpan<byte> id)
        {
            var chars = new char[id.Length];
            for (int i = 0; i < id.Length; i++)
            {
                chars[i] = id[i] is >= 32 and < 127 ? (char)id[i] : '?';
            }

            return new string(chars);
        }
    }
}
