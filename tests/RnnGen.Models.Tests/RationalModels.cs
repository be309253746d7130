using System;
using RnnGen.Numerics;
using Xunit;

namespace RnnGen.Models.Tests;

// Twins of fixture models (FixtureModels.cs) declared with rational sigmoid and tanh: cells of every
// built-in kind, a stack, conditioning (tanh of the initial states), attention (tanh of the scores)
// and the fused audio step (Lstm40). They run their exact twin's PyTorch fixture through every test
// of FixtureModelsCatalog.Names: parity, gradients, Step and Process against Forward, stream batches,
// taps, threads and compact weights.

[RnnModel(SequenceLength = 6, BatchSize = 3, ActivationMath = ActivationMath.Rational)]
[Embedding(Vocabulary = 11, Dimensions = 8)]
[Lstm(Hidden = 13)]
[Dense(Outputs = 11)]
[SoftmaxCrossEntropy]
public partial class RationalLstm1;

[RnnModel(SequenceLength = 5, BatchSize = 4, ActivationMath = ActivationMath.Rational)]
[Embedding(Vocabulary = 10, Dimensions = 7)]
[Gru(Hidden = 17, Layers = 2)]
[Dense(Outputs = 10)]
[SoftmaxCrossEntropy]
public partial class RationalGru2;

[RnnModel(SequenceLength = 4, BatchSize = 2, ActivationMath = ActivationMath.Rational)]
[Embedding(Vocabulary = 9, Dimensions = 12)]
[Lstm(Hidden = 19, Name = "enc")]
[Gru(Hidden = 24, Name = "mid")]
[Rnn(Hidden = 8, Name = "top")]
[Dense(Outputs = 9, Name = "head")]
[SoftmaxCrossEntropy]
public partial class RationalMixed;

[RnnModel(SequenceLength = 16, BatchSize = 1, ActivationMath = ActivationMath.Rational)]
[Input(Features = 1)]
[Lstm(Hidden = 40)]
[Dense(Outputs = 1)]
[MeanSquaredError]
public partial class RationalLstm40;

[RnnModel(SequenceLength = 5, BatchSize = 3, ActivationMath = ActivationMath.Rational)]
[Embedding(Vocabulary = 8, Dimensions = 5)]
[Condition(Features = 4)]
[Lstm(Hidden = 12)]
[Gru(Hidden = 9)]
[Dense(Outputs = 8)]
[SoftmaxCrossEntropy]
public partial class RationalCondLstm;

[RnnModel(SequenceLength = 4, BatchSize = 3, ActivationMath = ActivationMath.Rational)]
[Embedding(Vocabulary = 9, Dimensions = 5)]
[Lstm(Hidden = 11)]
[Attention(MemorySize = 7, MemoryLength = 6, Units = 10)]
[Dense(Outputs = 9)]
[SoftmaxCrossEntropy]
public partial class RationalAttnDecoder;

/// <summary>
/// A model declared with <c>ActivationMath.Rational</c> computes with the rational functions, not the
/// exact ones: with its exact twin's parameters and inputs, its outputs and gradients differ from the
/// twin's, by no more than the activations' error carried through the model.
/// </summary>
public sealed class RationalActivationTests
{
    public static TheoryData<string> Twins() => new(Array.FindAll(FixtureModelsCatalog.Names, n => n.StartsWith(Fixture.RationalPrefix, StringComparison.Ordinal)));

    /// <summary>
    /// The LSTM 1→40 + Dense 1 written out in scalar code, in the kernels' order of operations (each product
    /// a chain of multiply-adds from its bias over the inputs in order, the gate the input product plus the
    /// recurrent one, c = f·c + i·g, h = o·tanh(c)), with the given sigmoid and tanh: it gives Forward's
    /// outputs bit for bit, so each model evaluates exactly the functions its declaration names (a model that
    /// evaluated one exact function among the rational ones would miss by an ulp somewhere).
    /// </summary>
    [Theory]
    [InlineData("Lstm40", false)]
    [InlineData("RationalLstm40", true)]
    public void Lstm40_IsTheScalarCellWithItsOwnFunctions(string name, bool rational)
    {
        Func<float, float> sigmoid = rational ? Activations.RationalSigmoid : Activations.Sigmoid;
        Func<float, float> tanh = rational ? Activations.RationalTanh : Activations.Tanh;
        var (h, fixture) = FixtureModelsCatalog.Load(name);
        using (h)
        {
            var model = h.Model;
            float[] Value(string parameter)
            {
                foreach (var p in model.Parameters)
                {
                    if (p.Name == parameter)
                    {
                        return p.Value.ToArray();
                    }
                }

                throw new ArgumentException(parameter);
            }

            const int H = 40;
            float[] wih = Value("lstm.weight_ih_l0"), whh = Value("lstm.weight_hh_l0"), bih = Value("lstm.bias_ih_l0"), bhh = Value("lstm.bias_hh_l0");
            float[] wd = Value("dense.weight"), bd = Value("dense.bias");
            float[] hidden = model.InitialHidden(0).ToArray(), cell = model.InitialCell(0).ToArray();
            float[] inputs = fixture.FloatInputs;
            var expected = new float[inputs.Length];
            var gates = new float[4 * H];
            for (int t = 0; t < inputs.Length; t++)
            {
                for (int j = 0; j < 4 * H; j++)
                {
                    float x = Simd.MultiplyAdd(inputs[t], wih[j], bih[j]);
                    float r = bhh[j];
                    for (int k = 0; k < H; k++)
                    {
                        r = Simd.MultiplyAdd(hidden[k], whh[(j * H) + k], r);
                    }

                    gates[j] = x + r;
                }

                for (int u = 0; u < H; u++)
                {
                    float i = sigmoid(gates[u]), f = sigmoid(gates[H + u]), g = tanh(gates[(2 * H) + u]), o = sigmoid(gates[(3 * H) + u]);
                    cell[u] = (f * cell[u]) + (i * g);
                    hidden[u] = o * tanh(cell[u]);
                }

                float y = bd[0];
                for (int k = 0; k < H; k++)
                {
                    y = Simd.MultiplyAdd(hidden[k], wd[k], y);
                }

                expected[t] = y;
            }

            var outputs = new float[h.OutputCount];
            h.Forward(outputs);
            Assert.Equal(expected, outputs);
        }
    }

    [Theory]
    [MemberData(nameof(Twins))]
    public void Rational_DiffersFromExact_ByTheActivationsError(string name)
    {
        string exactName = name[Fixture.RationalPrefix.Length..];
        var (rational, _) = FixtureModelsCatalog.Load(name);
        var (exact, _) = FixtureModelsCatalog.Load(exactName);
        using (rational)
        using (exact)
        {
            var r = new float[rational.OutputCount];
            var e = new float[exact.OutputCount];
            rational.Forward(r);
            exact.Forward(e);

            // Each activation is within 3.6e-7 of the exact one; through a few steps and layers the
            // outputs move by a few times that, relative to their largest magnitude.
            double error = Tolerance.RelativeError(r, e);
            Assert.True(error > 0, $"{name}: the outputs are the exact model's bit for bit, so the rational functions are not in use");
            Assert.True(error <= 1e-5, $"{name}: outputs {error:E3} from the exact model's");

            float rationalLoss = rational.TrainStep();
            float exactLoss = exact.TrainStep();
            Assert.True(Math.Abs(rationalLoss - exactLoss) <= 1e-5 * Math.Abs(exactLoss), $"{name}: loss {rationalLoss} vs {exactLoss}");
            for (int i = 0; i < rational.Model.Parameters.Count; i++)
            {
                Tolerance.AssertClose(rational.Model.Parameters[i].Gradient, exact.Model.Parameters[i].Gradient, 1e-4, $"{name} d(loss)/d({rational.Model.Parameters[i].Name})");
            }
        }
    }
}
