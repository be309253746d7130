using System;
using System.Collections.Generic;
using System.Globalization;

namespace RnnGen.Cells
{
    /// <summary>
    /// The learned parameters of one layer of a recurrent cell, as its <c>Step</c> method sees them.
    /// </summary>
    /// <remarks>
    /// <para>
    /// In a cell's source these calls declare the parameters: the generator reads
    /// <c>p.Linear("wf", x)</c> as a learned matrix named <c>{layer}.weight_wf_l{k}</c> of
    /// [Hidden, width of x] applied to x, <c>p.Bias("f")</c> as <c>{layer}.bias_f_l{k}</c> [Hidden]
    /// and <c>p.Vector("p")</c> as <c>{layer}.weight_p_l{k}</c> [Hidden], a per-unit weight. Names are
    /// constant strings of ASCII letters, digits and underscores.
    /// </para>
    /// <para>
    /// At run time an instance holds actual values, so the same <c>Step</c> runs as written (see
    /// <see cref="Units"/>): build one from a model with <see cref="FromModel"/> or from arrays with
    /// the constructor.
    /// </para>
    /// </remarks>
    public sealed class CellParameters
    {
        private readonly IReadOnlyDictionary<string, float[]> _values;

        /// <summary>Initializes parameters from values keyed by their names without layer prefix and suffix.</summary>
        /// <param name="hidden">The hidden width: the rows of every matrix and the width of every vector.</param>
        /// <param name="values">
        /// The values by name: <c>weight_wf</c> (row-major [hidden, columns]), <c>bias_f</c>,
        /// <c>weight_p</c>.
        /// </param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="hidden"/> is not positive.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="values"/> is <see langword="null"/>.</exception>
        public CellParameters(int hidden, IReadOnlyDictionary<string, float[]> values)
        {
            if (hidden <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "The hidden width must be positive.");
            }

            ArgumentNullException.ThrowIfNull(values);
            Hidden = hidden;
            _values = values;
        }

        /// <summary>Gets the hidden width.</summary>
        public int Hidden { get; }

        /// <summary>
        /// Copies the current values of layer <paramref name="index"/> of the recurrent layer named
        /// <paramref name="layer"/> out of a model (<c>{layer}.*_l{index}</c>).
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="layer">The layer's name (the <c>Name</c> of its attribute; <c>cell</c> by default).</param>
        /// <param name="index">The stacked layer, from 0.</param>
        /// <returns>The parameters.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="layer"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The model has no parameter of that layer.</exception>
        public static CellParameters FromModel(IRnnModel model, string layer, int index)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(layer);
            string prefix = layer + ".";
            string suffix = "_l" + index.ToString(CultureInfo.InvariantCulture);
            var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
            int hidden = 0;
            foreach (Parameter parameter in model.Parameters)
            {
                string name = parameter.Name;
                if (name.Length > prefix.Length + suffix.Length &&
                    name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(suffix, StringComparison.Ordinal))
                {
                    values[name.Substring(prefix.Length, name.Length - prefix.Length - suffix.Length)] = parameter.Value.ToArray();
                    hidden = parameter.Shape[0];
                }
            }

            if (values.Count == 0)
            {
                throw new ArgumentException($"The model has no parameter named '{prefix}…{suffix}'.", nameof(layer));
            }

            return new CellParameters(hidden, values);
        }

        /// <summary>A learned matrix of [<see cref="Hidden"/>, <paramref name="value"/>.Width] applied to <paramref name="value"/>.</summary>
        /// <param name="name">The matrix's name (its parameter is <c>weight_{name}</c>).</param>
        /// <param name="value">The vector it multiplies.</param>
        /// <returns>W·value, <see cref="Hidden"/> units.</returns>
        /// <exception cref="KeyNotFoundException">There is no such matrix.</exception>
        /// <exception cref="ArgumentException">The matrix does not have <paramref name="value"/>'s width as columns.</exception>
        public Units Linear(string name, Units value)
        {
            ArgumentNullException.ThrowIfNull(value);
            float[] w = Get("weight_" + name);
            if (w.Length != Hidden * value.Width)
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                    "weight_{0} has {1} values, not {2} × {3}.", name, w.Length, Hidden, value.Width), nameof(value));
            }

            ReadOnlySpan<float> v = value.AsSpan();
            var result = new float[Hidden];
            for (int r = 0; r < Hidden; r++)
            {
                double sum = 0;
                for (int c = 0; c < v.Length; c++)
                {
                    sum += (double)w[(r * v.Length) + c] * v[c];
                }

                result[r] = (float)sum;
            }

            return new Units(result);
        }

        /// <summary>A learned bias of <see cref="Hidden"/> units.</summary>
        /// <param name="name">The bias's name (its parameter is <c>bias_{name}</c>).</param>
        /// <returns>The bias.</returns>
        /// <exception cref="KeyNotFoundException">There is no such bias.</exception>
        public Units Bias(string name) => Row("bias_" + name);

        /// <summary>A learned per-unit weight of <see cref="Hidden"/> units, used element-wise.</summary>
        /// <param name="name">The vector's name (its parameter is <c>weight_{name}</c>).</param>
        /// <returns>The weights.</returns>
        /// <exception cref="KeyNotFoundException">There is no such vector.</exception>
        public Units Vector(string name) => Row("weight_" + name);

        private Units Row(string key)
        {
            float[] values = Get(key);
            if (values.Length != Hidden)
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                    "{0} has {1} values, not {2}.", key, values.Length, Hidden));
            }

            return new Units(values);
        }

        private float[] Get(string key) =>
            _values.TryGetValue(key, out float[]? values) ? values : throw new KeyNotFoundException($"The cell has no parameter '{key}'.");
    }
}
