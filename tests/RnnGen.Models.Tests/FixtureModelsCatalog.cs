using System;
using System.Collections.Generic;

namespace RnnGen.Models.Tests;

/// <summary>Builds a <see cref="ModelHarness"/> for every fixture model, bound to the fixture's inputs and targets.</summary>
internal static class FixtureModelsCatalog
{
    public static readonly string[] Names =
        ["RnnTanh", "RnnRelu2", "Lstm1", "Lstm3Mse", "Gru2", "Gru1Mse", "Mixed", "CharLstm", "Lstm40", "Tiny", "RnnWide", "Gru3", "LstmRelu"];

    public static IEnumerable<object[]> All()
    {
        foreach (string name in Names)
        {
            yield return [name];
        }
    }

    /// <summary>A model with the fixture's parameters loaded, bound to the fixture's data.</summary>
    public static (ModelHarness Model, Fixture Fixture) Load(string name)
    {
        Fixture f = Fixture.Load(name);
        ModelHarness h = Create(name, f);
        f.CopyParametersTo(h.Model.Parameters);
        return (h, f);
    }

    public static ModelHarness Create(string name, Fixture f) => name switch
    {
        "RnnTanh" => ModelHarness.Features<RnnTanh, RnnTanh.State, float>(name, new RnnTanh(), f.FloatInputs, f.FloatTargets),
        "RnnRelu2" => ModelHarness.Tokens<RnnRelu2, RnnRelu2.State, int>(name, new RnnRelu2(), f.TokenInputs, f.ClassTargets),
        "Lstm1" => ModelHarness.Tokens<Lstm1, Lstm1.State, int>(name, new Lstm1(), f.TokenInputs, f.ClassTargets),
        "Lstm3Mse" => ModelHarness.Features<Lstm3Mse, Lstm3Mse.State, float>(name, new Lstm3Mse(), f.FloatInputs, f.FloatTargets),
        "Gru2" => ModelHarness.Tokens<Gru2, Gru2.State, int>(name, new Gru2(), f.TokenInputs, f.ClassTargets),
        "Gru1Mse" => ModelHarness.Features<Gru1Mse, Gru1Mse.State, float>(name, new Gru1Mse(), f.FloatInputs, f.FloatTargets),
        "Mixed" => ModelHarness.Tokens<Mixed, Mixed.State, int>(name, new Mixed(), f.TokenInputs, f.ClassTargets),
        "CharLstm" => ModelHarness.Tokens<CharLstm, CharLstm.State, int>(name, new CharLstm(), f.TokenInputs, f.ClassTargets),
        "Lstm40" => ModelHarness.Features<Lstm40, Lstm40.State, float>(name, new Lstm40(), f.FloatInputs, f.FloatTargets),
        "Tiny" => ModelHarness.Tokens<Tiny, Tiny.State, int>(name, new Tiny(), f.TokenInputs, f.ClassTargets),
        "RnnWide" => ModelHarness.Features<RnnWide, RnnWide.State, float>(name, new RnnWide(), f.FloatInputs, f.FloatTargets),
        "Gru3" => ModelHarness.Tokens<Gru3, Gru3.State, int>(name, new Gru3(), f.TokenInputs, f.ClassTargets),
        "LstmRelu" => ModelHarness.Features<LstmRelu, LstmRelu.State, float>(name, new LstmRelu(), f.FloatInputs, f.FloatTargets),
        _ => throw new ArgumentException("Unknown model " + name, nameof(name)),
    };
}
