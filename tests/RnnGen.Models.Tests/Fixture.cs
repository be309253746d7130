using System;
using System.Collections.Generic;
using System.IO;
using RnnGen;

namespace RnnGen.Models.Tests;

/// <summary>
/// One PyTorch reference file written by tests/fixtures-src/make_fixtures.py: parameters
/// (<c>param.{name}</c>), inputs, targets, and the float64 reference's output, loss and gradients
/// (<c>grad.{name}</c>).
/// </summary>
internal sealed class Fixture
{
    private readonly IReadOnlyDictionary<string, TensorData> _tensors;

    private Fixture(string name, IReadOnlyDictionary<string, TensorData> tensors)
    {
        Name = name;
        _tensors = tensors;
    }

    public string Name { get; }

    /// <summary>
    /// The fixture file of a fixture name. A model with rational activations (see RationalModels.cs),
    /// "Rational{Model}", runs its exact twin's fixture: the same PyTorch reference, within the same tolerances.
    /// </summary>
    public static string PathOf(string name) =>
        Path.Combine(AppContext.BaseDirectory, "Fixtures", (name.StartsWith(RationalPrefix, StringComparison.Ordinal) ? name[RationalPrefix.Length..] : name) + ".safetensors");

    /// <summary>The name prefix of the models declared with <c>ActivationMath.Rational</c>.</summary>
    public const string RationalPrefix = "Rational";

    public static Fixture Load(string name) => new(name, SafeTensors.ReadAll(PathOf(name)));

    public int[] TokenInputs => Array.ConvertAll(_tensors["input"].ToInt64Array(), v => checked((int)v));

    public float[] FloatInputs => _tensors["input"].ToSingleArray();

    public int[] ClassTargets => Array.ConvertAll(_tensors["target"].ToInt64Array(), v => checked((int)v));

    public float[] FloatTargets => _tensors["target"].ToSingleArray();

    public float[] Output => _tensors["output"].ToSingleArray();

    public float Loss => _tensors["loss"].ToSingleArray()[0];

    public float[] Gradient(string parameter) => _tensors["grad." + parameter].ToSingleArray();

    /// <summary>The real steps of each sequence (ragged fixtures), or null.</summary>
    public int[]? Lengths => _tensors.TryGetValue("lengths", out var t) ? Array.ConvertAll(t.ToInt64Array(), v => checked((int)v)) : null;

    /// <summary>Whether the fixture has a tensor of this name.</summary>
    public bool Has(string name) => _tensors.ContainsKey(name);

    /// <summary>An integer tensor by name, flattened.</summary>
    public long[] Int64Tensor(string name) => _tensors[name].ToInt64Array();

    /// <summary>A float tensor by name, flattened.</summary>
    public float[] Tensor(string name) => _tensors[name].ToSingleArray();

    /// <summary>
    /// Copies a ragged fixture's initial states and final-state gradients (h0.s, c0.s, dhT.s, dcT.s),
    /// or a conditioned fixture's conditioning vectors, into the model; nothing for a plain fixture,
    /// whose states are zero.
    /// </summary>
    public void CopyStatesTo(IRnnModel model)
    {
        if (Has("condition"))
        {
            Tensor("condition").CopyTo(model.Conditions);
        }

        if (Has("memory") && model is IAttentionModel attention)
        {
            Tensor("memory").CopyTo(attention.Memory);
            Array.ConvertAll(_tensors["memory_lengths"].ToInt64Array(), v => checked((int)v)).CopyTo(attention.MemoryLengths);
        }

        for (int layer = 0; layer < model.LayerCount; layer++)
        {
            if (Has($"h0.{layer}"))
            {
                Tensor($"h0.{layer}").CopyTo(model.InitialHidden(layer));
                Tensor($"dhT.{layer}").CopyTo(model.FinalHiddenGradient(layer));
            }

            if (Has($"c0.{layer}"))
            {
                Tensor($"c0.{layer}").CopyTo(model.InitialCell(layer));
                Tensor($"dcT.{layer}").CopyTo(model.FinalCellGradient(layer));
            }
        }
    }

    /// <summary>Copies the fixture's parameters into the model, checking names and shapes.</summary>
    public void CopyParametersTo(IReadOnlyList<Parameter> parameters)
    {
        int count = 0;
        foreach (var (key, tensor) in _tensors)
        {
            if (key.StartsWith("param.", StringComparison.Ordinal))
            {
                count++;
            }
        }

        if (count != parameters.Count)
        {
            throw new InvalidDataException($"{Name}: the fixture has {count} parameters, the model {parameters.Count}.");
        }

        foreach (Parameter p in parameters)
        {
            TensorData tensor = _tensors["param." + p.Name];
            if (!System.Linq.Enumerable.SequenceEqual(tensor.Shape, p.Shape))
            {
                throw new InvalidDataException($"{Name}: shape of {p.Name} differs.");
            }

            tensor.ToSingleArray().CopyTo(p.Value);
        }
    }
}
