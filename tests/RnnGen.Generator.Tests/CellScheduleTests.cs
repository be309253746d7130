using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Cells;
using RnnGen.Generator.Models;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The lowering of cell definitions (docs/cells.md): the built-in cells keep exactly the values they
/// kept before they were definitions, and the derived backward pass is the derivative of the step
/// (checked against central differences by running both in double precision).
/// </summary>
public sealed class CellScheduleTests
{
    public static IEnumerable<object[]> BuiltIns() =>
    [
        ["RnnTanh"], ["RnnRelu"], ["Lstm"], ["Gru"], ["LstmPeephole"], ["LstmCoupled"], ["LstmPeepholeCoupled"], ["GruResetBefore"], ["Mut1"], ["Mut2"], ["Mut3"],
    ];

    internal static CellDefinition BuiltIn(string name) => name switch
    {
        "RnnTanh" => BuiltInCells.Rnn(CellActivation.Tanh),
        "RnnRelu" => BuiltInCells.Rnn(CellActivation.Relu),
        "Lstm" => BuiltInCells.Lstm(),
        "Gru" => BuiltInCells.Gru(),
        "LstmPeephole" => BuiltInCells.Lstm(peepholes: true),
        "LstmCoupled" => BuiltInCells.Lstm(coupled: true),
        "LstmPeepholeCoupled" => BuiltInCells.Lstm(peepholes: true, coupled: true),
        "GruResetBefore" => BuiltInCells.Gru(resetAfter: false),
        "Mut1" => BuiltInCells.Mut(1),
        "Mut2" => BuiltInCells.Mut(2),
        "Mut3" => BuiltInCells.Mut(3),
        _ => throw new ArgumentException(name),
    };

    [Fact]
    public void Lstm_KeepsGatesInPlaceOfTheInputProductAndTanhCOfItsOwn()
    {
        var s = CellSchedule.Create(BuiltInCells.Lstm(), hidden: 8, projection: 0, input: 5);
        Assert.Empty(s.Problems);
        Assert.True(s.IsSinglePhase);
        Assert.Equal(2, s.Groups.Count);
        Assert.True(s.Groups[0].Hoisted);
        Assert.Equal(32, s.Groups[0].Rows);
        Assert.Equal(5, s.Groups[0].Columns);
        Assert.Equal(1, s.Groups[1].Level);
        // d(x·W_ihᵀ) and d(h·W_hhᵀ) are one buffer: the gates sum the two products.
        Assert.Equal(0, s.GradientOf[1]);
        var kept = s.Kept.Values.OrderBy(k => k.Node).Select(k => (Name(s, k.Node), k.Overlay, k.Offset)).ToArray();
        Assert.Equal([("i", 0, 0), ("f", 0, 8), ("g", 0, 16), ("o", 0, 24), ("tanhC", -1, 0)], kept);
        Assert.False(s.InputElementwise);
    }

    [Fact]
    public void Gru_KeepsGatesInPlaceAndTheHiddenProductOfN_WithItsOwnGradient()
    {
        var s = CellSchedule.Create(BuiltInCells.Gru(), hidden: 8, projection: 0, input: 5);
        Assert.Empty(s.Problems);
        Assert.True(s.IsSinglePhase);
        // The reset gate scales the hidden part of n, so d(h·W_hhᵀ) differs from d(x·W_ihᵀ).
        Assert.Equal(1, s.GradientOf[1]);
        var kept = s.Kept.Values.OrderBy(k => k.Node).Select(k => (Name(s, k.Node), k.Overlay, k.Offset)).ToArray();
        Assert.Equal([("r", 0, 0), ("z", 0, 8), ("hiddenN", -1, 0), ("n", 0, 16)], kept);
    }

    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void Rnn_KeepsNothingButItsState(string name)
    {
        if (!name.StartsWith("Rnn", StringComparison.Ordinal))
        {
            return;
        }

        var s = CellSchedule.Create(BuiltIn(name), hidden: 8, projection: 0, input: 5);
        Assert.Empty(s.Kept);
        Assert.Equal(0, s.GradientOf[1]);
    }

    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void DerivedBackward_MatchesCentralDifferences(string name)
    {
        var s = CellSchedule.Create(BuiltIn(name), hidden: 1, projection: 0, input: 1);
        Assert.Empty(s.Problems);
        CellEvaluator.CheckAgainstCentralDifferences(s, seed: 3);
    }

    [Fact]
    public void PeepholeLstm_KeepsTheSameValuesAndAccumulatesItsPeepholeWeightsPerBatchEntry()
    {
        var s = CellSchedule.Create(BuiltInCells.Lstm(peepholes: true), hidden: 8, projection: 0, input: 5);
        Assert.True(s.IsSinglePhase);
        Assert.Equal(0, s.GradientOf[1]);
        var kept = s.Kept.Values.OrderBy(k => k.Node).Select(k => (Name(s, k.Node), k.Overlay, k.Offset)).ToArray();
        Assert.Equal([("i", 0, 0), ("f", 0, 8), ("g", 0, 16), ("o", 0, 24), ("tanhC", -1, 0)], kept);
        var vectorWrites = s.Phases.SelectMany(p => p.Writes).Where(w => w.Place.Kind == CellPlaceKind.VectorGradient).ToArray();
        Assert.Equal([0, 8, 16], vectorWrites.Select(w => w.Place.Offset).OrderBy(o => o));
        Assert.All(vectorWrites, w => Assert.True(w.Accumulate));
    }

    [Fact]
    public void CoupledLstm_HasThreeGateBlocks()
    {
        var s = CellSchedule.Create(BuiltInCells.Lstm(coupled: true), hidden: 8, projection: 0, input: 5);
        Assert.Equal(24, s.Groups[0].Rows);
        var kept = s.Kept.Values.OrderBy(k => k.Node).Select(k => (Name(s, k.Node), k.Overlay, k.Offset)).ToArray();
        Assert.Equal([("f", 0, 0), ("g", 0, 8), ("o", 0, 16), ("tanhC", -1, 0)], kept);
    }

    [Fact]
    public void GruResetBefore_TakesTwoPhases_KeepingRTimesHForTheSecondProduct()
    {
        var s = CellSchedule.Create(BuiltInCells.Gru(resetAfter: false), hidden: 8, projection: 0, input: 5);
        Assert.Empty(s.Problems);
        Assert.False(s.IsSinglePhase);
        // x's product; h's product for r and z (blocks 0 and 1 of weight_hh); r ⊙ h's for n (block 2).
        Assert.Equal([(0, 0, 24), (1, 1, 16), (2, 2, 8)], s.Groups.Select(g => (g.Index, g.Level, g.Rows)));
        Assert.Equal(2, s.Groups[2].FirstBlock);
        var kept = s.Kept.Values.OrderBy(k => k.Node).Select(k => (Name(s, k.Node), k.Overlay, k.Offset)).ToArray();
        Assert.Equal([("r", 0, 0), ("z", 0, 8), ("resetH", -1, 0), ("n", 0, 16)], kept);
        // r ⊙ h's adjoint comes from the second product's input gradient, cleared before it.
        Assert.Equal([s.Cell.Names.ToList().IndexOf("resetH")], s.Phases[2].ClearBeforeProducts);
    }

    [Fact]
    public void Mut3_TakesThreePhases_AndMut1AndMut2ReadXElementwise()
    {
        var mut3 = CellSchedule.Create(BuiltInCells.Mut(3), hidden: 8, projection: 0, input: 5);
        Assert.Empty(mut3.Problems);
        Assert.False(mut3.InputElementwise);
        // tanh(h) before W_hz; then W_hz·tanh(h) and W_hr·h; then W_hh·(r ⊙ h).
        Assert.True(mut3.Phases[0].HasForwardKernel);
        Assert.Equal([1, 1, 2], mut3.Groups.Where(g => !g.Hoisted).Select(g => g.Level));
        Assert.Equal(24, mut3.Groups[0].Rows);
        Assert.True(mut3.Groups[0].HasBias);
        Assert.True(CellSchedule.Create(BuiltInCells.Mut(1), 8, 0, 8).InputElementwise);
        Assert.True(CellSchedule.Create(BuiltInCells.Mut(2), 8, 0, 8).InputElementwise);
        // MUT2's input product has no bias (b_z and b_r ride on W_hz and W_hr, b_h on W_hh).
        var mut2 = CellSchedule.Create(BuiltInCells.Mut(2), 8, 0, 8);
        Assert.False(mut2.Groups[0].HasBias);
        Assert.Equal(16, mut2.Groups[1].Rows);
        Assert.True(mut2.Groups[1].HasBias);
    }

    private static string Name(CellSchedule s, int node) => s.Cell.Names[node];
}
