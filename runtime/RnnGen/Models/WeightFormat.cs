namespace RnnGen;

/// <summary>
/// How the weight matrices that inference reads are stored: the format of the copies a model's
/// streaming <c>Step</c>s and <c>Forward</c> read (see <see cref="IRnnModel.InferenceWeights"/>). Arithmetic,
/// states and outputs stay 32-bit floats in every format; only the bytes read per weight change.
/// </summary>
public enum WeightFormat
{
    /// <summary>32-bit floats, the parameters' own values: what training computes with.</summary>
    Float32 = 0,

    /// <summary>
    /// bfloat16 (the top 16 bits of a float32, rounded to nearest even): half the bytes per weight,
    /// 8 significant bits, so each weight is within 2⁻⁹ of its float32 value relative to it.
    /// </summary>
    BFloat16 = 1,

    /// <summary>
    /// 8-bit integers with one float32 scale per row of each weight matrix (symmetric, the row's largest
    /// magnitude maps to 127): a quarter of the bytes per weight, each weight within half its row's
    /// scale (1/254 of the row's largest weight) of its float32 value. The products run in float32:
    /// y = s·(x·qᵀ) + b.
    /// </summary>
    Int8 = 2,
}
