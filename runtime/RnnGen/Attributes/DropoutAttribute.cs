using System;

namespace RnnGen
{
    /// <summary>
    /// Declares dropout on the values that flow from the layer declared before it to the layer
    /// declared after it: between the input layer and the first recurrent layer, between two
    /// recurrent layers, or between the last recurrent layer and the head (and the attention's query).
    /// Equivalent to PyTorch's <c>nn.Dropout(Probability)</c> applied to that tensor.
    /// </summary>
    /// <remarks>
    /// <para>
    /// While training, each value is zeroed with probability <c>p</c> and the others are scaled by
    /// <c>1 / (1 − p)</c> (inverted dropout), so nothing changes at inference: <c>Step</c> never
    /// drops, <c>TrainStep</c> always does, and <c>Forward</c> and <c>Evaluate</c> do while the
    /// generated model's <c>Training</c> property is set (see <see cref="IDropoutModel"/>). Dropout
    /// acts on the connections between layers only, never on a layer's recurrence (Zaremba et al.,
    /// 2014), so a streamed state is the same as in training.
    /// </para>
    /// <para>
    /// The masks come from a counter-based hash of the model's <c>DropoutSeed</c>, the pass number and
    /// the position of each value (<see cref="DropoutMask"/>), so they do not depend on the number
    /// of threads, and a pass can be replayed by setting <c>DropoutPasses</c> back.
    /// </para>
    /// <para>
    /// Dropout between the stacked layers of one <see cref="LstmAttribute"/>, <see cref="GruAttribute"/>
    /// or <see cref="RnnAttribute"/> is its <c>Dropout</c> property (PyTorch's <c>dropout</c> argument).
    /// </para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
    public sealed class DropoutAttribute : Attribute
    {
        /// <summary>Initializes a new instance of the <see cref="DropoutAttribute"/> class.</summary>
        /// <param name="probability">The probability that a value is zeroed, in [0, 1).</param>
        public DropoutAttribute(double probability)
        {
            Probability = probability;
        }

        /// <summary>Gets the probability that a value is zeroed (PyTorch's <c>p</c>), in [0, 1).</summary>
        public double Probability { get; }
    }
}
