using RnnGen;

namespace Classifier;

/// <summary>Reads the LSTM's hidden state after each sentence's last word.</summary>
[RnnModel(SequenceLength = 24, BatchSize = 32)]
[Embedding(Vocabulary = 2000, Dimensions = 32)]
[Lstm(Hidden = 48)]
[Dense(Outputs = 2, Readout = RnnReadout.LastStep)]
[SoftmaxCrossEntropy]
public partial class LastStepClassifier;

/// <summary>Reads the mean of the LSTM's hidden states over each sentence's words.</summary>
[RnnModel(SequenceLength = 24, BatchSize = 32)]
[Embedding(Vocabulary = 2000, Dimensions = 32)]
[Lstm(Hidden = 48)]
[Dense(Outputs = 2, Readout = RnnReadout.Mean)]
[SoftmaxCrossEntropy]
public partial class MeanClassifier;
