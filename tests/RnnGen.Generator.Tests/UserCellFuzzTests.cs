using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Random cell bodies, most of them valid and some with a construct a cell may not use, through the
/// whole generator: it never throws, every body it rejects gets an RNNG diagnostic or a C# error, and
/// every body it accepts gives a model that compiles without an error.
/// </summary>
public sealed class UserCellFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void RandomCellBodies_NeverBreakTheGenerator_AndAcceptedOnesCompile()
    {
        var random = new Random(20261203);
        int accepted = 0, rejected = 0;
        for (int i = 0; i < 40; i++)
        {
            var (source, valid) = RandomCell(random);
            var (result, compiled) = GeneratorHarness.Run(source);
            var run = result.Results.Single();
            Assert.True(run.Exception is null, $"generator threw on\n{source}\n{run.Exception}");
            Assert.DoesNotContain(compiled.GetDiagnostics(), d => d.Id == "CS8785");
            bool reported = result.Diagnostics.Any(d => d.Id.StartsWith("RNNG", StringComparison.Ordinal));
            var errors = compiled.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (reported || errors.Count > 0 && result.GeneratedTrees.Length == 0)
            {
                rejected++;
                output.WriteLine("rejected: " + string.Join(" | ", result.Diagnostics.Select(d => d.Id + " " + d.GetMessage(CultureInfo.InvariantCulture))));
                Assert.Empty(result.GeneratedTrees);
                Assert.False(valid && !reported && errors.Count == 0, $"a valid cell was dropped silently:\n{source}");
            }
            else
            {
                accepted++;
                Assert.True(valid, $"a cell with a forbidden construct was accepted:\n{source}");
                Assert.True(errors.Count == 0, $"the generated model does not compile:\n{source}\n{string.Join("\n", errors.Take(5))}");
                Assert.Equal(2, result.GeneratedTrees.Length);
            }
        }

        output.WriteLine($"{accepted} accepted, {rejected} rejected");
        Assert.True(accepted >= 10 && rejected >= 5, $"the generator of random cells is skewed: {accepted} accepted, {rejected} rejected");
    }

    /// <summary>A cell of 1–3 states and 2–6 assignments of random expressions, and a model using it.</summary>
    private static (string Source, bool Valid) RandomCell(Random random)
    {
        string[] states = new[] { "h", "c", "d" }.Take(random.Next(1, 4)).ToArray();
        var locals = new List<string>();
        var body = new StringBuilder();
        bool valid = true;
        int names = 0;
        string Name(string prefix) => prefix + (names++).ToString(CultureInfo.InvariantCulture);

        string Leaf()
        {
            int pick = random.Next(locals.Count > 0 ? 7 : 6);
            return pick switch
            {
                0 => "x",
                1 => states[random.Next(states.Length)],
                2 => $"p.Linear(\"{Name("w")}\", x)",
                3 => $"p.Linear(\"{Name("u")}\", {states[random.Next(states.Length)]})",
                4 => random.Next(2) == 0 ? $"p.Bias(\"{Name("b")}\")" : $"p.Vector(\"{Name("v")}\")",
                5 => states[random.Next(states.Length)],
                _ => locals[random.Next(locals.Count)],
            };
        }

        string Expr(int depth)
        {
            if (depth == 0)
            {
                return Leaf();
            }

            switch (random.Next(9))
            {
                case 0: return $"({Expr(depth - 1)} + {Expr(depth - 1)})";
                case 1: return $"({Expr(depth - 1)} - {Expr(depth - 1)})";
                case 2: return $"({Expr(depth - 1)} * {Expr(depth - 1)})";
                case 3: return $"({random.Next(1, 4)}f * {Expr(depth - 1)} - 0.5f)";
                case 4: return $"(-{Expr(depth - 1)} / {random.Next(2, 5)})";
                case 5:
                {
                    string f = new[] { "Sigmoid", "Tanh", "Relu", "Softsign", "HardSigmoid" }[random.Next(5)];
                    return $"{f}({Expr(depth - 1)})";
                }

                case 6: return $"Exp(-Relu({Expr(depth - 1)}))";
                case 7: return $"p.Linear(\"{Name("m")}\", Tanh({Expr(depth - 1)}))";
                default: return Leaf();
            }
        }

        int statements = random.Next(2, 7);
        for (int s = 0; s < statements; s++)
        {
            if (random.Next(12) == 0)
            {
                valid = false;
                body.AppendLine(new[]
                {
                    "for (int i = 0; i < 2; i++) { h = Tanh(h); }",
                    "if (p.Hidden > 3) { h = Sigmoid(h); }",
                    "h = Tanh(Helper(h));",
                    "h = h * Scale;",
                    "h = p.Hidden > 1 ? x : h;",
                }[random.Next(5)]);
                continue;
            }

            if (random.Next(3) == 0)
            {
                string local = Name("t");
                body.AppendLine($"Units {local} = {Expr(random.Next(1, 4))};");
                locals.Add(local);
            }
            else
            {
                string state = states[random.Next(states.Length)];
                body.AppendLine($"{state} {(random.Next(4) == 0 ? "+=" : "=")} {Expr(random.Next(1, 4))};");
            }
        }

        foreach (string state in states)
        {
            body.AppendLine($"{state} = Tanh({state} + p.Linear(\"{Name("z")}\", x));");
        }

        string parameters = string.Join(", ", states.Select(s => "ref Units " + s));
        string source = $$"""
            using RnnGen;
            using RnnGen.Cells;
            using static RnnGen.Cells.CellMath;

            [RecurrentCell]
            public static class FuzzCell
            {
                private static readonly Units Scale = new(4);

                private static Units Helper(Units u) => u;

                public static void Step(Units x, {{parameters}}, CellParameters p)
                {
            {{body}}
                }
            }

            [RnnModel(SequenceLength = 3, BatchSize = 2)]
            [Input(Features = {{(random.Next(4) == 0 ? 5 : 4)}})]
            [Cell(typeof(FuzzCell), Hidden = 4, Layers = {{random.Next(1, 3)}})]
            [Dense(Outputs = 2)]
            [MeanSquaredError]
            public partial class FuzzModel;
            """;
        return (source, valid);
    }
}
