using System;
using System.Globalization;
using System.IO;
using System.Linq;
using RnnGen.Optimizers;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>
/// A training run resumed from a checkpoint is bit for bit the run that never stopped: parameters,
/// optimizer state and counters, dropout masks, carried states and random batches.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>One run: DropoutStack (dropout everywhere) trained with truncated BPTT on random batches.</summary>
    private sealed class Run : IDisposable
    {
        public Run(int seed)
        {
            Model = new DropoutStack(seed);
            Adam = new Adam(Model.Parameters, 0.01f);
            Batches = new RandomSource((ulong)seed + 100);
            Checkpoint = new TrainingCheckpoint().Add("model", Model).Add("adam", Adam).Add("batches", Batches);
        }

        public DropoutStack Model { get; }

        public Adam Adam { get; }

        public RandomSource Batches { get; }

        public TrainingCheckpoint Checkpoint { get; }

        public int Step { get; set; }

        public void TrainTo(int last)
        {
            var inputs = new int[DropoutStack.BatchSize * DropoutStack.SequenceLength];
            var targets = new int[inputs.Length];
            for (; Step < last; Step++)
            {
                for (int k = 0; k < inputs.Length; k++)
                {
                    inputs[k] = Batches.NextInt(DropoutStack.InputSize);
                    targets[k] = Batches.NextInt(DropoutStack.OutputSize);
                }

                Model.TrainStep(inputs, targets);
                GradientClipping.ClipByGlobalNorm(Model.Parameters, 1f);
                Adam.Step();
                Model.CarryState();
            }
        }

        public void Save(string path)
        {
            Checkpoint.Metadata["step"] = Step.ToString(CultureInfo.InvariantCulture);
            Checkpoint.Save(path);
        }

        public void Load(string path)
        {
            Checkpoint.Load(path);
            Step = int.Parse(Checkpoint.Metadata["step"], CultureInfo.InvariantCulture);
        }

        public void Dispose()
        {
            Adam.Dispose();
            Model.Dispose();
        }
    }

    [Fact]
    public void ResumingFromACheckpoint_GivesTheUninterruptedRun_BitForBit()
    {
        string middle = Path.Combine(_directory, "middle.safetensors");
        string straight = Path.Combine(_directory, "straight.safetensors");
        string resumed = Path.Combine(_directory, "resumed.safetensors");
        using (var run = new Run(seed: 1))
        {
            run.TrainTo(4);
            run.Save(middle);
            run.TrainTo(9);
            run.Save(straight);
            Assert.True(run.Model.DropoutPasses > 0);
        }

        // Another seed everywhere: everything that matters must come from the checkpoint.
        using (var run = new Run(seed: 2))
        {
            run.Load(middle);
            Assert.Equal(4, run.Step);
            Assert.Equal(4, run.Adam.StepCount);
            run.TrainTo(9);
            run.Save(resumed);
        }

        Assert.Equal(File.ReadAllBytes(straight), File.ReadAllBytes(resumed));
        var tensors = SafeTensors.ReadAll(straight);
        Assert.Contains("adam/exp_avg_sq/model/lstm.weight_hh_l1", tensors.Keys);
        Assert.Contains("model/initial_cell/1", tensors.Keys);
        Assert.True(tensors["model/initial_hidden/0"].ToSingleArray().Any(v => v != 0f), "the carried state was not saved");
    }

    [Fact]
    public void Load_OfAnIncompatibleCheckpoint_ChangesNothing()
    {
        string path = Path.Combine(_directory, "c.safetensors");
        using (var run = new Run(seed: 1))
        {
            run.TrainTo(2);
            run.Save(path);
        }

        // The same model with another optimizer under the same key.
        using var model = new DropoutStack(seed: 5);
        using var sgd = new Sgd(model.Parameters, 0.1f, momentum: 0.9f);
        var random = new RandomSource(3);
        var checkpoint = new TrainingCheckpoint().Add("model", model).Add("adam", sgd).Add("batches", random);
        checkpoint.Metadata["mine"] = "kept";
        float[] before = model.Parameters.SelectMany(p => p.Value.ToArray()).ToArray();
        ulong next = new RandomSource(3).NextUInt64();
        var error = Assert.Throws<WeightFileException>(() => checkpoint.Load(path));
        Assert.Contains("momentum_buffer", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.Parameters.SelectMany(p => p.Value.ToArray()).ToArray());
        Assert.Equal(next, random.NextUInt64());
        Assert.Equal("kept", checkpoint.Metadata["mine"]);
        Assert.Equal(0L, model.DropoutPasses);

        // Another model entirely.
        using var other = new Lstm1(seed: 1);
        var wrong = new TrainingCheckpoint().Add("model", other);
        Assert.Throws<WeightFileException>(() => wrong.Load(path));
        Assert.False(new TrainingCheckpoint().Add("model", other).TryLoad(Path.Combine(_directory, "absent.safetensors")));
    }

    [Fact]
    public void Save_RefusesAnOptimizerOverAnUnregisteredModel_AndBadKeys()
    {
        using var a = new Lstm1(seed: 1);
        using var b = new Lstm1(seed: 2);
        using var adam = new Adam(a.Parameters.Concat(b.Parameters).ToArray());
        var checkpoint = new TrainingCheckpoint().Add("a", a).Add("adam", adam);
        Assert.Contains("belongs to no model", Assert.Throws<ArgumentException>(() => checkpoint.Save(Path.Combine(_directory, "x.safetensors"))).Message, StringComparison.Ordinal);
        checkpoint.Add("b", b);
        checkpoint.Save(Path.Combine(_directory, "x.safetensors"));
        Assert.Throws<ArgumentException>(() => checkpoint.Add("a", new RandomSource(1)));
        Assert.Throws<ArgumentException>(() => checkpoint.Add("a/b", new RandomSource(1)));
        Assert.Throws<ArgumentException>(() => checkpoint.Add("user", new RandomSource(1)));
        Assert.Throws<ArgumentException>(() => checkpoint.Add("again", a));
    }
}
