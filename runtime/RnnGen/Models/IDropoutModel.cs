namespace RnnGen;

/// <summary>
/// A generated model with dropout (<see cref="DropoutAttribute"/>, or a recurrent attribute's
/// <c>Dropout</c>): whether its passes drop, and the source of its masks.
/// </summary>
public interface IDropoutModel
{
    /// <summary>
    /// Gets or sets whether <c>Forward</c> and <c>Evaluate</c> apply dropout, as in PyTorch's
    /// <c>model.train()</c> and <c>model.eval()</c>. <c>TrainStep</c> always applies it and <c>Step</c>
    /// never does. Set it while a model is trained through <c>Forward</c> and <c>Backward</c> (an
    /// encoder); <see langword="false"/> (the default) for inference and validation.
    /// </summary>
    bool Training { get; set; }

    /// <summary>Gets or sets the seed of the dropout masks; the constructor's seed until set.</summary>
    ulong DropoutSeed { get; set; }

    /// <summary>
    /// Gets or sets the number of passes that have drawn dropout masks. Each pass that drops draws its
    /// masks from (<see cref="DropoutSeed"/>, this number) and then increments it; setting it back
    /// replays a pass's masks exactly (see <see cref="DropoutMask"/>).
    /// </summary>
    long DropoutPasses { get; set; }
}
