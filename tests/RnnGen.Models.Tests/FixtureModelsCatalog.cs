using System;
using System.Collections.Generic;

namespace RnnGen.Models.Tests;

/// <summary>Builds a <see cref="ModelHarness"/> for every fixture model, bound to the fixture's inputs and targets.</summary>
internal static class FixtureModelsCatalog
{
    /// <summary>
    /// Every fixture: one per model, plus "{Model}.ragged" for the models whose fixture also has
    /// sequences of different lengths, initial states and final-state gradients.
    /// </summary>
    public static readonly string[] Names =
    [
        "RnnTanh", "RnnRelu2", "Lstm1", "Lstm3Mse", "Gru2", "Gru1Mse", "Mixed", "CharLstm", "Lstm40", "Tiny", "RnnWide", "Gru3", "LstmRelu",
        "LstmLast", "GruMean", "CondLstm", "AttnDecoder", "DropoutStack", "DropoutAttn", "DropoutLast", "DropoutMean",
        "LstmPeephole", "LstmCoupled", "GruResetBefore", "Mut", "Mut1Features", "Mgu", "Kitchen", "LstmProj", "LstmPeepholeProj", "CondProj",
        "RnnRelu2.ragged", "Lstm1.ragged", "Lstm3Mse.ragged", "Gru2.ragged", "Mixed.ragged", "LstmLast.ragged", "GruMean.ragged",
        "RationalLstm1", "RationalGru2", "RationalCondLstm", "RationalAttnDecoder", "RationalLstm40", "RationalMixed.ragged",
    ];

    public static IEnumerable<object[]> All()
    {
        foreach (string name in Names)
        {
            yield return [name];
        }
    }

    /// <summary>A model with the fixture's parameters (and states) loaded, bound to the fixture's data.</summary>
    public static (ModelHarness Model, Fixture Fixture) Load(string name)
    {
        Fixture f = Fixture.Load(name);
        ModelHarness h = Create(name, f);
        f.CopyParametersTo(h.Model.Parameters);
        f.CopyStatesTo(h.Model);
        return (h, f);
    }

    /// <summary>A freshly initialised model bound to the fixture's data (and lengths, for a ragged fixture).</summary>
    public static ModelHarness Create(string name, Fixture f)
    {
        int[]? lengths = f.Lengths;
        string model = name.Split('.')[0];
        return model switch
        {
            "RnnTanh" => ModelHarness.Features<RnnTanh, RnnTanh.State, float>(name, new RnnTanh(), f.FloatInputs, f.FloatTargets, lengths),
            "RnnRelu2" => ModelHarness.Tokens<RnnRelu2, RnnRelu2.State, int>(name, new RnnRelu2(), f.TokenInputs, f.ClassTargets, lengths),
            "Lstm1" => ModelHarness.Tokens<Lstm1, Lstm1.State, int>(name, new Lstm1(), f.TokenInputs, f.ClassTargets, lengths),
            "Lstm3Mse" => ModelHarness.Features<Lstm3Mse, Lstm3Mse.State, float>(name, new Lstm3Mse(), f.FloatInputs, f.FloatTargets, lengths),
            "Gru2" => ModelHarness.Tokens<Gru2, Gru2.State, int>(name, new Gru2(), f.TokenInputs, f.ClassTargets, lengths),
            "Gru1Mse" => ModelHarness.Features<Gru1Mse, Gru1Mse.State, float>(name, new Gru1Mse(), f.FloatInputs, f.FloatTargets, lengths),
            "Mixed" => ModelHarness.Tokens<Mixed, Mixed.State, int>(name, new Mixed(), f.TokenInputs, f.ClassTargets, lengths),
            "CharLstm" => ModelHarness.Tokens<CharLstm, CharLstm.State, int>(name, new CharLstm(), f.TokenInputs, f.ClassTargets, lengths),
            "Lstm40" => ModelHarness.Features<Lstm40, Lstm40.State, float>(name, new Lstm40(), f.FloatInputs, f.FloatTargets, lengths),
            "Tiny" => ModelHarness.Tokens<Tiny, Tiny.State, int>(name, new Tiny(), f.TokenInputs, f.ClassTargets, lengths),
            "RnnWide" => ModelHarness.Features<RnnWide, RnnWide.State, float>(name, new RnnWide(), f.FloatInputs, f.FloatTargets, lengths),
            "Gru3" => ModelHarness.Tokens<Gru3, Gru3.State, int>(name, new Gru3(), f.TokenInputs, f.ClassTargets, lengths),
            "LstmRelu" => ModelHarness.Features<LstmRelu, LstmRelu.State, float>(name, new LstmRelu(), f.FloatInputs, f.FloatTargets, lengths),
            "LstmLast" => ModelHarness.Tokens<LstmLast, LstmLast.State, int>(name, new LstmLast(), f.TokenInputs, f.ClassTargets, lengths),
            "AttnDecoder" => ModelHarness.Tokens<AttnDecoder, AttnDecoder.State, int>(name, new AttnDecoder(), f.TokenInputs, f.ClassTargets, lengths),
            "CondLstm" => ModelHarness.Tokens<CondLstm, CondLstm.State, int>(name, new CondLstm(), f.TokenInputs, f.ClassTargets, lengths),
            "GruMean" => ModelHarness.Features<GruMean, GruMean.State, float>(name, new GruMean(), f.FloatInputs, f.FloatTargets, lengths),
            "DropoutStack" => ModelHarness.Tokens<DropoutStack, DropoutStack.State, int>(name, new DropoutStack(), f.TokenInputs, f.ClassTargets, lengths),
            "DropoutAttn" => ModelHarness.Tokens<DropoutAttn, DropoutAttn.State, int>(name, new DropoutAttn(), f.TokenInputs, f.ClassTargets, lengths),
            "DropoutLast" => ModelHarness.Features<DropoutLast, DropoutLast.State, float>(name, new DropoutLast(), f.FloatInputs, f.FloatTargets, lengths),
            "DropoutMean" => ModelHarness.Features<DropoutMean, DropoutMean.State, float>(name, new DropoutMean(), f.FloatInputs, f.FloatTargets, lengths),
            "LstmPeephole" => ModelHarness.Features<LstmPeephole, LstmPeephole.State, float>(name, new LstmPeephole(), f.FloatInputs, f.FloatTargets, lengths),
            "LstmCoupled" => ModelHarness.Tokens<LstmCoupled, LstmCoupled.State, int>(name, new LstmCoupled(), f.TokenInputs, f.ClassTargets, lengths),
            "GruResetBefore" => ModelHarness.Tokens<GruResetBefore, GruResetBefore.State, int>(name, new GruResetBefore(), f.TokenInputs, f.ClassTargets, lengths),
            "Mut" => ModelHarness.Tokens<Mut, Mut.State, int>(name, new Mut(), f.TokenInputs, f.ClassTargets, lengths),
            "Mut1Features" => ModelHarness.Features<Mut1Features, Mut1Features.State, float>(name, new Mut1Features(), f.FloatInputs, f.FloatTargets, lengths),
            "Mgu" => ModelHarness.Tokens<Mgu, Mgu.State, int>(name, new Mgu(), f.TokenInputs, f.ClassTargets, lengths),
            "CondProj" => ModelHarness.Tokens<CondProj, CondProj.State, int>(name, new CondProj(), f.TokenInputs, f.ClassTargets, lengths),
            "LstmProj" => ModelHarness.Tokens<LstmProj, LstmProj.State, int>(name, new LstmProj(), f.TokenInputs, f.ClassTargets, lengths),
            "LstmPeepholeProj" => ModelHarness.Features<LstmPeepholeProj, LstmPeepholeProj.State, float>(name, new LstmPeepholeProj(), f.FloatInputs, f.FloatTargets, lengths),
            "Kitchen" => ModelHarness.Features<Kitchen, Kitchen.State, float>(name, new Kitchen(), f.FloatInputs, f.FloatTargets, lengths),
            "RationalLstm1" => ModelHarness.Tokens<RationalLstm1, RationalLstm1.State, int>(name, new RationalLstm1(), f.TokenInputs, f.ClassTargets, lengths),
            "RationalGru2" => ModelHarness.Tokens<RationalGru2, RationalGru2.State, int>(name, new RationalGru2(), f.TokenInputs, f.ClassTargets, lengths),
            "RationalCondLstm" => ModelHarness.Tokens<RationalCondLstm, RationalCondLstm.State, int>(name, new RationalCondLstm(), f.TokenInputs, f.ClassTargets, lengths),
            "RationalAttnDecoder" => ModelHarness.Tokens<RationalAttnDecoder, RationalAttnDecoder.State, int>(name, new RationalAttnDecoder(), f.TokenInputs, f.ClassTargets, lengths),
            "RationalLstm40" => ModelHarness.Features<RationalLstm40, RationalLstm40.State, float>(name, new RationalLstm40(), f.FloatInputs, f.FloatTargets, lengths),
            "RationalMixed" => ModelHarness.Tokens<RationalMixed, RationalMixed.State, int>(name, new RationalMixed(), f.TokenInputs, f.ClassTargets, lengths),
            _ => throw new ArgumentException("Unknown model " + model, nameof(name)),
        };
    }
}
