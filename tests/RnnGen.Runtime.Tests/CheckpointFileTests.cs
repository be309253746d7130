using System;
using System.IO;
using System.Linq;
using RnnGen;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    /// <summary>Atomic saves clean up after saves that were killed, but never after live ones; generator state round-trips.</summary>
    public sealed class CheckpointFileTests : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-save-").FullName;

        public void Dispose() => Directory.Delete(_directory, recursive: true);

        [Fact]
        public void Save_DeletesTemporaryFilesLeftByKilledSaves_ButNotOnesALiveWriterHolds()
        {
            string path = Path.Combine(_directory, "model.safetensors");
            string stale = Path.Combine(_directory, ".model.safetensors.abcdefgh.ijk.tmp");
            string live = Path.Combine(_directory, ".model.safetensors.lmnopqrs.tuv.tmp");
            string other = Path.Combine(_directory, ".other.safetensors.abcdefgh.ijk.tmp");
            File.WriteAllBytes(stale, new byte[1000]);
            File.WriteAllBytes(other, new byte[10]);
            using var parameters = new TestParameters(("w", new[] { 8 }));
            parameters.FillRandom(4);
            using (new FileStream(live, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                SafeTensors.Save(path, parameters.List);
                Assert.False(File.Exists(stale));
                Assert.True(File.Exists(live));
                Assert.True(File.Exists(other));
            }

            SafeTensors.Save(path, parameters.List);
            Assert.False(File.Exists(live));
            Assert.True(File.Exists(other));
            Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(_directory, "*model*").Select(Path.GetFileName).ToArray());
        }

        [Fact]
        public void Save_WritesTheSameBytesAsBefore_WithOnlyTheFormatInTheMetadata()
        {
            string path = Path.Combine(_directory, "m.safetensors");
            using var parameters = new TestParameters(("w", new[] { 2 }));
            SafeTensors.Save(path, parameters.List);
            Assert.Equal(new[] { "format" }, SafeTensors.ReadMetadata(path).Keys.ToArray());
        }

        [Fact]
        public void RandomSourceState_RoundTrips_IncludingTheKeptGaussian()
        {
            var a = new RandomSource(17);
            a.NextUInt64();
            a.NextGaussian(); // leaves the second of the pair kept
            var b = new RandomSource(99) { StateText = a.StateText };
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(a.NextGaussian(), b.NextGaussian());
                Assert.Equal(a.NextUInt64(), b.NextUInt64());
            }

            Assert.Throws<FormatException>(() => b.StateText = "0:0:0:0:0:0");
            Assert.Throws<FormatException>(() => b.StateText = "nonsense");
        }
    }
}
