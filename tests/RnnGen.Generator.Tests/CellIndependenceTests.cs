using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Adding a cell needs no change outside its definition: Planning and Emission know cells only through
/// <c>CellDefinition</c> and <c>CellSchedule</c>, so no code there names a built-in cell. (The cells
/// written in C# — the minimal gated unit, the test cell of every construct — are the running proof:
/// they work with no change to the generator at all.)
/// </summary>
public sealed class CellIndependenceTests
{
    private static readonly Regex CellName = new(@"\b(Lstm|Gru|Mut|Rnn(Tanh|Relu)|Peephole|Coupled|ResetBefore|BuiltInCells|CellKind)\w*", RegexOptions.CultureInvariant);

    [Fact]
    public void PlanningAndEmission_NameNoCell()
    {
        string generator = Path.Combine(RepositoryRoot(), "generator", "RnnGen.Generator");
        var files = Directory.GetFiles(Path.Combine(generator, "Planning"), "*.cs")
            .Concat(Directory.GetFiles(Path.Combine(generator, "Emission"), "*.cs"))
            .ToList();
        Assert.True(files.Count >= 10, $"found only {files.Count} source files under {generator}");
        var offenders = (
            from file in files
            from line in File.ReadAllLines(file).Select((text, index) => (Text: Code(text), Number: index + 1))
            let match = CellName.Match(line.Text)
            where match.Success
            select $"{Path.GetFileName(file)}:{line.Number}: {match.Value}").ToList();
        Assert.True(offenders.Count == 0, "Planning or Emission names a cell:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void TheCheck_FindsACellName()
    {
        Assert.Matches(CellName, Code("if (cell.Name == \"Lstm\") { }"));
        Assert.Matches(CellName, Code("var s = BuiltInCells.Gru(true);"));
        Assert.DoesNotMatch(CellName, Code("// an LSTM's c"));
    }

    /// <summary>A line without its comment (string contents are code here: a kernel name in a string is still a cell name).</summary>
    private static string Code(string line)
    {
        int comment = line.IndexOf("//", StringComparison.Ordinal);
        return comment >= 0 ? line.Substring(0, comment) : line;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RnnGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("RnnGen.sln not found above " + AppContext.BaseDirectory);
    }
}
