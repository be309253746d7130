namespace RnnGen
{
    /// <summary>
    /// Which hidden states of the last recurrent layer the <see cref="DenseAttribute"/> head reads:
    /// the sequence paradigm of the model.
    /// </summary>
    public enum RnnReadout
    {
        /// <summary>
        /// Synced many-to-many (the default): the head runs at every time step, so a sequence of
        /// <c>SequenceLength</c> inputs has <c>SequenceLength</c> outputs and targets (language models,
        /// part-of-speech tagging, per-frame classification).
        /// </summary>
        EveryStep,

        /// <summary>
        /// Many-to-one: the head reads the hidden state of each sequence's last real step, so a
        /// sequence has one output and one target (sentiment classification, gesture recognition).
        /// PyTorch: <c>head(h_n[-1])</c>.
        /// </summary>
        LastStep,

        /// <summary>
        /// Many-to-one: the head reads the mean of the hidden states over each sequence's real steps.
        /// PyTorch: <c>head(output[:, :length].mean(dim=1))</c>.
        /// </summary>
        Mean,
    }
}
