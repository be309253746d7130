using System;
using System.IO;
using System.Linq;
using Xunit;

namespace RnnGen.Models.Tests;

/// <summary>The generated public surface: constants, parameter names, validation, weight files, disposal.</summary>
public sealed class ModelApiTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Constants_And_Parameters_FollowPyTorchNamesAndShapes()
    {
        Assert.Equal(8, CharLstm.SequenceLength);
        Assert.Equal(4, CharLstm.BatchSize);
        Assert.Equal(65, CharLstm.InputSize);
        Assert.Equal(65, CharLstm.OutputSize);
        using var model = new CharLstm();
        string[] expected =
        [
            "embedding.weight [65, 32]",
            "lstm.weight_ih_l0 [512, 32]", "lstm.weight_hh_l0 [512, 128]", "lstm.bias_ih_l0 [512]", "lstm.bias_hh_l0 [512]",
            "lstm.weight_ih_l1 [512, 128]", "lstm.weight_hh_l1 [512, 128]", "lstm.bias_ih_l1 [512]", "lstm.bias_hh_l1 [512]",
            "dense.weight [65, 128]", "dense.bias [65]",
        ];
        Assert.Equal(expected, model.Parameters.Select(p => p.ToString()).ToArray());
        Assert.Equal(CharLstm.ParameterCount, model.Parameters.Sum(p => p.Length));
    }

    [Fact]
    public void Initialisation_FollowsPyTorchDefaults_AndIsSeeded()
    {
        using var a = new CharLstm(seed: 5);
        using var b = new CharLstm(seed: 5);
        using var c = new CharLstm(seed: 6);
        Assert.Equal(a.Parameters[1].Value.ToArray(), b.Parameters[1].Value.ToArray());
        Assert.NotEqual(a.Parameters[1].Value.ToArray(), c.Parameters[1].Value.ToArray());

        // nn.LSTM: U(±1/√128); nn.Linear(128, 65): U(±1/√128); nn.Embedding: N(0, 1).
        float bound = 1 / MathF.Sqrt(128);
        foreach (var p in a.Parameters.Skip(1))
        {
            Assert.All(p.Value.ToArray(), v => Assert.InRange(v, -bound, bound));
            Assert.True(p.Value.ToArray().Max() > 0.9f * bound, p.Name + " does not fill its range");
        }

        float[] embedding = a.Parameters[0].Value.ToArray();
        double mean = embedding.Average(), variance = embedding.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, -0.1, 0.1);
        Assert.InRange(variance, 0.85, 1.15);
    }

    [Fact]
    public void Forward_And_TrainStep_RejectBadArguments()
    {
        using var model = new Lstm1();
        int n = Lstm1.BatchSize * Lstm1.SequenceLength;
        var outputs = new float[n * Lstm1.OutputSize];
        Assert.Throws<ArgumentException>(() => model.Forward(new int[n - 1], outputs));
        Assert.Throws<ArgumentException>(() => model.Forward(new int[n], new float[1]));
        var badToken = new int[n];
        badToken[3] = Lstm1.InputSize;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(badToken, outputs));
        Assert.Contains("index 3", error.Message);
        var badTarget = new int[n];
        badTarget[0] = -1;
        Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainStep(new int[n], badTarget));
        using var mse = new Gru1Mse();
        Assert.Throws<ArgumentException>(() => mse.TrainStep(new float[Gru1Mse.BatchSize * Gru1Mse.SequenceLength * Gru1Mse.InputSize], new float[2]));
    }

    [Fact]
    public void SaveThenLoad_RoundTripsEveryParameter()
    {
        string path = Path.Combine(_directory, "mixed.safetensors");
        using var original = new Mixed(seed: 11);
        original.Save(path);
        using var copy = new Mixed(seed: 12);
        copy.Load(path);
        for (int i = 0; i < original.Parameters.Count; i++)
        {
            Assert.Equal(original.Parameters[i].Value.ToArray(), copy.Parameters[i].Value.ToArray());
        }
    }

    [Fact]
    public void Load_OfAnotherModelsFile_ThrowsNamingTheTensor_AndChangesNothing()
    {
        string path = Path.Combine(_directory, "gru2.safetensors");
        using (var other = new Gru2())
        {
            other.Save(path);
        }

        using var model = new Lstm1(seed: 2);
        float[][] before = model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        var error = Assert.Throws<WeightFileException>(() => model.Load(path));
        Assert.NotNull(error.TensorName);
        Assert.Contains(error.TensorName!, error.Message);
        for (int i = 0; i < before.Length; i++)
        {
            Assert.Equal(before[i], model.Parameters[i].Value.ToArray());
        }
    }

    [Fact]
    public void Load_OfAPyTorchStateDict_NeedsNoRenaming()
    {
        // Written by PyTorch (tests/fixtures-src/make_fixtures.py) from the module's state_dict().
        var fixture = Fixture.Load("Mixed");
        using var model = new Mixed();
        model.Load(Fixture.PathOf("Mixed.state_dict"));
        using var reference = new Mixed();
        fixture.CopyParametersTo(reference.Parameters);
        for (int i = 0; i < model.Parameters.Count; i++)
        {
            Assert.Equal(reference.Parameters[i].Value.ToArray(), model.Parameters[i].Value.ToArray());
        }
    }

    [Fact]
    public void Load_OfATorchSaveFile_ReadsThePyTorchStateDict()
    {
        // torch.save(module.state_dict(), "Mixed.state_dict.pt") by tests/fixtures-src/make_fixtures.py:
        // read without Python, into the model as the safetensors twin loads.
        var fixture = Fixture.Load("Mixed");
        using var model = new Mixed();
        model.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Mixed.state_dict.pt"));
        using var reference = new Mixed();
        fixture.CopyParametersTo(reference.Parameters);
        for (int i = 0; i < model.Parameters.Count; i++)
        {
            Assert.Equal(reference.Parameters[i].Value.ToArray(), model.Parameters[i].Value.ToArray());
        }

        // A whole pickled module is refused, and the model keeps its weights.
        var error = Assert.Throws<WeightFileException>(() => model.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "model.pt")));
        Assert.Contains("__main__.Stack", error.Message, StringComparison.Ordinal);
        for (int i = 0; i < model.Parameters.Count; i++)
        {
            Assert.Equal(reference.Parameters[i].Value.ToArray(), model.Parameters[i].Value.ToArray());
        }
    }

    [Fact]
    public void DisposedModel_Throws()
    {
        var model = new Lstm1();
        model.Dispose();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Forward(new int[Lstm1.BatchSize * Lstm1.SequenceLength], new float[Lstm1.BatchSize * Lstm1.SequenceLength * Lstm1.OutputSize]));
        Assert.Throws<ObjectDisposedException>(() => model.NewState());
    }
}
