using System;
using System.Buffers.Binary;
using System.IO;
using RnnGen.Audio;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>WAV files: round trips in every written format, the extensible header, and malformed files refused with a reason.</summary>
    public sealed class WavFileTests
    {
        /// <summary>Values a format holds exactly come back bit for bit; others within half a step; the header says what was written.</summary>
        [Theory]
        [InlineData(WavSampleFormat.Pcm16, 1, 32768)]
        [InlineData(WavSampleFormat.Pcm16, 2, 32768)]
        [InlineData(WavSampleFormat.Pcm24, 1, 8388608)]
        [InlineData(WavSampleFormat.Pcm24, 2, 8388608)]
        [InlineData(WavSampleFormat.Float32, 2, 0)]
        public void RoundTrip(WavSampleFormat format, int channels, int scale)
        {
            var random = new Random(3);
            var samples = new float[channels * 301];
            for (int i = 0; i < samples.Length; i++)
            {
                samples[i] = (float)((random.NextDouble() * 1.8) - 0.9);
            }

            samples[0] = -1f;
            samples[1] = 0f;
            using var stream = new MemoryStream();
            WavFile.Write(stream, samples, 44_100, channels, format);
            Assert.Equal(44 + (samples.Length * (format == WavSampleFormat.Pcm16 ? 2 : format == WavSampleFormat.Pcm24 ? 3 : 4)) + (format == WavSampleFormat.Pcm24 && samples.Length % 2 == 1 ? 1 : 0), stream.Length);
            stream.Position = 0;
            var audio = WavFile.Read(stream);
            Assert.Equal(44_100, audio.SampleRate);
            Assert.Equal(channels, audio.Channels);
            Assert.Equal(format, audio.Format);
            Assert.Equal(samples.Length, audio.Samples.Length);
            for (int i = 0; i < samples.Length; i++)
            {
                if (scale == 0)
                {
                    Assert.Equal(samples[i], audio.Samples[i]);
                }
                else
                {
                    Assert.True(Math.Abs(samples[i] - audio.Samples[i]) <= 0.5 / scale * (1 + 1e-6), $"sample {i}: {samples[i]} read back as {audio.Samples[i]}");
                }
            }

            // What was read is written back unchanged.
            using var again = new MemoryStream();
            WavFile.Write(again, audio.Samples, 44_100, channels, format);
            Assert.Equal(stream.ToArray(), again.ToArray());
            Assert.Equal(audio.Samples[channels - 1], audio.Channel(channels - 1)[0]);
        }

        [Fact]
        public void IntegerFormats_ClampBeyondFullScale()
        {
            using var stream = new MemoryStream();
            WavFile.Write(stream, [2f, -2f, 1f, float.NaN], 8_000, 1, WavSampleFormat.Pcm16);
            stream.Position = 0;
            var audio = WavFile.Read(stream);
            Assert.Equal([32767 / 32768f, -1f, 32767 / 32768f, 0f], audio.Samples);
        }

        [Fact]
        public void TheExtensibleHeader_AndOtherChunks_AreRead()
        {
            // WAVE_FORMAT_EXTENSIBLE, 24-bit PCM, stereo, a LIST chunk of odd length (padded) before the data.
            using var stream = new MemoryStream();
            var w = new BinaryWriter(stream);
            w.Write("RIFF"u8);
            w.Write(0u);
            w.Write("WAVE"u8);
            w.Write("fmt "u8);
            w.Write(40u);
            w.Write((ushort)0xFFFE);
            w.Write((ushort)2);
            w.Write(48_000u);
            w.Write(48_000u * 6);
            w.Write((ushort)6);
            w.Write((ushort)24);
            w.Write((ushort)22);
            w.Write((ushort)24);
            w.Write(3u);
            w.Write((ushort)1); // sub-format: PCM
            w.Write(new byte[14]);
            w.Write("LIST"u8);
            w.Write(3u);
            w.Write(new byte[] { 1, 2, 3, 0 });
            w.Write("data"u8);
            w.Write(6u);
            w.Write(new byte[] { 0x00, 0x00, 0x40, 0x00, 0x00, 0xC0 }); // +0.5, −0.5
            w.Flush();
            stream.Position = 0;
            var audio = WavFile.Read(stream);
            Assert.Equal(WavSampleFormat.Pcm24, audio.Format);
            Assert.Equal(2, audio.Channels);
            Assert.Equal(48_000, audio.SampleRate);
            Assert.Equal([0.5f, -0.5f], audio.Samples);
        }

        /// <summary>Each malformed file is an InvalidDataException that names its fault.</summary>
        [Theory]
        [InlineData("empty", "RIFF header")]
        [InlineData("not-wave", "RIFF header")]
        [InlineData("no-data", "no data chunk")]
        [InlineData("no-format", "no format")]
        [InlineData("truncated", "truncated")]
        [InlineData("short-format", "at least 16")]
        [InlineData("12-bit", "Unsupported sample format")]
        [InlineData("no-channels", "0 channels")]
        [InlineData("partial-frame", "whole number")]
        [InlineData("bad-align", "block alignment")]
        public void MalformedFiles_AreRefusedWithTheirFault(string fault, string message)
        {
            byte[] good = Good();
            byte[] bytes = fault switch
            {
                "empty" => [],
                "not-wave" => Patch(good, 8, "AVI "u8.ToArray()),
                "no-data" => good[..36],
                "no-format" => Patch(good, 12, "junk"u8.ToArray()),
                "truncated" => good[..(good.Length - 2)],
                "short-format" => Patch(good, 16, [8, 0, 0, 0]),
                "12-bit" => Patch(Patch(good, 34, [12, 0]), 32, [2, 0]),
                "no-channels" => Patch(good, 22, [0, 0]),
                "partial-frame" => Patch(good, 40, [3, 0, 0, 0]),
                _ => Patch(good, 32, [4, 0]),
            };
            var error = Assert.Throws<InvalidDataException>(() => WavFile.Read(new MemoryStream(bytes)));
            Assert.Contains(message, error.Message);
        }

        [Fact]
        public void BadArgumentsToWrite_AreRefused()
        {
            using var stream = new MemoryStream();
            Assert.Throws<ArgumentOutOfRangeException>(() => WavFile.Write(stream, [0f], 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => WavFile.Write(stream, [0f], 8_000, 0));
            Assert.Throws<ArgumentException>(() => WavFile.Write(stream, [0f, 0f, 0f], 8_000, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => WavFile.Write(stream, [0f], 8_000, 1, WavSampleFormat.Pcm8));
            Assert.Equal(0, stream.Length);
        }

        [Fact]
        public void Files_RoundTripThroughThePath()
        {
            string path = Path.Combine(Path.GetTempPath(), $"rnngen-wav-{Guid.NewGuid():N}.wav");
            try
            {
                WavFile.Write(path, [0.25f, -0.25f], 22_050, 1, WavSampleFormat.Float32);
                Assert.Equal([0.25f, -0.25f], WavFile.Read(path).Samples);
                File.WriteAllBytes(path, [1, 2, 3]);
                var error = Assert.Throws<InvalidDataException>(() => WavFile.Read(path));
                Assert.Contains(path, error.Message);
            }
            finally
            {
                File.Delete(path);
            }
        }

        /// <summary>A 16-bit mono file of two samples.</summary>
        private static byte[] Good()
        {
            using var stream = new MemoryStream();
            WavFile.Write(stream, [0.5f, -0.5f], 8_000, 1, WavSampleFormat.Pcm16);
            byte[] bytes = stream.ToArray();
            Assert.Equal(48, bytes.Length);
            Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(40)));
            return bytes;
        }

        private static byte[] Patch(byte[] bytes, int offset, byte[] with)
        {
            var copy = (byte[])bytes.Clone();
            with.CopyTo(copy, offset);
            return copy;
        }
    }
}
