using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Baselines of the generated code for representative models, following Verify's conventions by
/// hand: <c>Snapshots/{Test}.{HintName}.verified.cs</c> beside this file; on a mismatch the new
/// output is written as <c>.received.cs</c> and the test fails. Set RNNGEN_ACCEPT_SNAPSHOTS=1 to
/// accept the received output. Each test also proves the generated code compiles with no warnings.
/// </summary>
public sealed class SnapshotTests
{
    public const string CharLstm = """
        using RnnGen;

        namespace Samples;

        [RnnModel(SequenceLength = 64, BatchSize = 32)]
        [Embedding(Vocabulary = 65, Dimensions = 32)]
        [Lstm(Hidden = 128, Layers = 2)]
        [Dense(Outputs = 65)]
        [SoftmaxCrossEntropy]
        public partial class CharLstm;
        """;

    public const string GestureGru = """
        using RnnGen;

        namespace Games.Input;

        [RnnModel(SequenceLength = 30, BatchSize = 8)]
        [Input(Features = 6)]
        [Gru(Hidden = 20)]
        [Dense(Outputs = 3)]
        [MeanSquaredError]
        internal sealed partial class GestureGru;
        """;

    /// <summary>
    /// An audio effect's shape: one sample in, LSTM 32, one sample out (the fused step: its products in
    /// registers, h carried from step to step, the head 16 steps at a time at 512 bits and 8 at 256).
    /// </summary>
    public const string AmpLstm = """
        using RnnGen;

        namespace Audio.Effects;

        [RnnModel(SequenceLength = 512, BatchSize = 16)]
        [Input(Features = 1)]
        [Lstm(Hidden = 32)]
        [Dense(Outputs = 1)]
        [MeanSquaredError]
        public partial class AmpLstm;
        """;

    public const string MixedStack = """
        using RnnGen;

        [RnnModel(SequenceLength = 4, BatchSize = 2)]
        [Embedding(Vocabulary = 9, Dimensions = 12)]
        [Lstm(Hidden = 19, Name = "enc")]
        [Gru(Hidden = 24, Name = "mid")]
        [Rnn(Hidden = 8, Activation = RnnActivation.Relu, Name = "top")]
        [Dense(Outputs = 9, Name = "head")]
        [SoftmaxCrossEntropy]
        public partial class MixedStack;
        """;

    /// <summary>Many-to-one: the head reads the mean of the hidden states over each sequence's real steps.</summary>
    public const string SentimentMean = """
        using RnnGen;

        namespace Samples;

        [RnnModel(SequenceLength = 40, BatchSize = 16)]
        [Embedding(Vocabulary = 30, Dimensions = 16)]
        [Lstm(Hidden = 32)]
        [Dense(Outputs = 2, Readout = RnnReadout.Mean)]
        [SoftmaxCrossEntropy]
        public partial class SentimentMean;
        """;

    /// <summary>One-to-many: every layer's initial state from a conditioning vector.</summary>
    public const string ConditionedNames = """
        using RnnGen;

        namespace Samples;

        [RnnModel(SequenceLength = 16, BatchSize = 32)]
        [Embedding(Vocabulary = 30, Dimensions = 16)]
        [Condition(Features = 8)]
        [Lstm(Hidden = 64)]
        [Dense(Outputs = 30)]
        [SoftmaxCrossEntropy]
        public partial class ConditionedNames;
        """;

    /// <summary>Encoder–decoder: a decoder with additive attention over an encoder's outputs.</summary>
    public const string AttentionDecoder = """
        using RnnGen;

        namespace Samples;

        [RnnModel(SequenceLength = 20, BatchSize = 32)]
        [Embedding(Vocabulary = 42, Dimensions = 32)]
        [Lstm(Hidden = 128)]
        [Attention(MemorySize = 64, MemoryLength = 24, Units = 64)]
        [Dense(Outputs = 42)]
        [SoftmaxCrossEntropy]
        public partial class AttentionDecoder;
        """;

    /// <summary>Dropout on the embedded input, between stacked layers and on the head's input.</summary>
    public const string DropoutTagger = """
        using RnnGen;

        namespace Samples;

        [RnnModel(SequenceLength = 24, BatchSize = 32)]
        [Embedding(Vocabulary = 500, Dimensions = 32)]
        [Dropout(0.2)]
        [Lstm(Hidden = 64, Layers = 2, Dropout = 0.3)]
        [Dropout(0.5)]
        [Dense(Outputs = 12)]
        [SoftmaxCrossEntropy]
        public partial class DropoutTagger;
        """;

    [Fact]
    public void CharLstm_Generated() => Verify(CharLstm);

    [Fact]
    public void DropoutTagger_Generated() => Verify(DropoutTagger);

    [Fact]
    public void AttentionDecoder_Generated() => Verify(AttentionDecoder);

    [Fact]
    public void ConditionedNames_Generated() => Verify(ConditionedNames);

    [Fact]
    public void SentimentMean_Generated() => Verify(SentimentMean);

    [Fact]
    public void GestureGru_Generated() => Verify(GestureGru);

    [Fact]
    public void MixedStack_Generated() => Verify(MixedStack);

    [Fact]
    public void AmpLstm_Generated() => Verify(AmpLstm);

    [Fact]
    public void Output_IsDeterministic()
    {
        string first = string.Join("\n", GeneratorHarness.Run(CharLstm).Result.GeneratedTrees.Select(t => t.ToString()));
        string second = string.Join("\n", GeneratorHarness.Run(CharLstm).Result.GeneratedTrees.Select(t => t.ToString()));
        Assert.Equal(first, second);
    }

    private static void Verify(string source, [CallerMemberName] string test = "", [CallerFilePath] string file = "")
    {
        var (result, output) = GeneratorHarness.Run(source);
        Assert.Empty(result.Diagnostics);

        // Compile-clean: the generated code compiles without errors or warnings.
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems.Select(p => p.ToString())));

        var generated = result.Results.Single().GeneratedSources;
        Assert.Equal(2, generated.Length);
        string directory = Path.Combine(Path.GetDirectoryName(file)!, "Snapshots");
        Directory.CreateDirectory(directory);
        bool accept = Environment.GetEnvironmentVariable("RNNGEN_ACCEPT_SNAPSHOTS") == "1";
        var mismatches = new System.Collections.Generic.List<string>();
        foreach (var source1 in generated)
        {
            string hint = source1.HintName.EndsWith(".cs", StringComparison.Ordinal) ? source1.HintName[..^3] : source1.HintName;
            string verified = Path.Combine(directory, $"{test}.{hint}.verified.cs");
            string received = Path.Combine(directory, $"{test}.{hint}.received.cs");
            string text = source1.SourceText.ToString();
            if (accept)
            {
                File.WriteAllText(verified, text);
                File.Delete(received);
                continue;
            }

            if (!File.Exists(verified) || File.ReadAllText(verified) != text)
            {
                File.WriteAllText(received, text);
                mismatches.Add(verified);
            }
            else
            {
                File.Delete(received);
            }
        }

        Assert.True(mismatches.Count == 0, "Generated code differs from the baseline (see the .received.cs files; RNNGEN_ACCEPT_SNAPSHOTS=1 accepts): " + string.Join(", ", mismatches));
    }
}
