using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using RnnGen.Optimizers;

namespace RnnGen
{
    /// <summary>
    /// Everything a training run needs to continue after a crash, saved and restored in one call
    /// each: the models' parameters, their carried initial states and dropout positions, the
    /// optimizers' state, step counters and learning rates, random generators, and the caller's own
    /// metadata (such as the position in the data). Resuming from a checkpoint continues the run bit
    /// for bit as if it had never stopped.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Register what the run uses once, under keys of your choice, then call <see cref="Save"/>
    /// between steps and <see cref="TryLoad"/> at start-up:
    /// <code>
    /// var checkpoint = new TrainingCheckpoint().Add("model", model).Add("adam", adam).Add("batches", random);
    /// if (checkpoint.TryLoad(path)) step = int.Parse(checkpoint.Metadata["step"], CultureInfo.InvariantCulture);
    /// ...
    /// checkpoint.Metadata["step"] = step.ToString(CultureInfo.InvariantCulture);
    /// checkpoint.Save(path);
    /// </code>
    /// </para>
    /// <para>
    /// The file is a safetensors file: tensors named <c>{model}/{parameter}</c>,
    /// <c>{model}/initial_hidden/{layer}</c>, <c>{model}/initial_cell/{layer}</c> and
    /// <c>{optimizer}/{state}/{model}/{parameter}</c> (PyTorch's state names: <c>exp_avg</c>,
    /// <c>exp_avg_sq</c>, <c>momentum_buffer</c>, <c>sum</c>), and the counters, generator states and
    /// <c>user/{key}</c> entries in its metadata. <see cref="Save"/> is atomic (a temporary file,
    /// flushed to disk, then renamed over the old checkpoint; temporary files of saves that were
    /// killed are deleted by the next save). <see cref="Load"/> validates the whole file before it
    /// changes anything: on any error every registered object is unchanged.
    /// </para>
    /// <para>
    /// Gradients are not saved: take checkpoints between optimizer steps. The learning rate is saved
    /// with each optimizer, so a schedule that sets it from <see cref="Optimizer.StepCount"/> or
    /// adjusts it in place resumes where it was.
    /// </para>
    /// </remarks>
    public sealed class TrainingCheckpoint
    {
        private const string FormatKey = "rnngen/checkpoint";
        private const string FormatVersion = "1";
        private const string UserPrefix = "user/";

        private readonly List<(string Key, IRnnModel Model)> _models = [];
        private readonly List<(string Key, Optimizer Optimizer)> _optimizers = [];
        private readonly List<(string Key, RandomSource Random)> _randoms = [];
        private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

        /// <summary>
        /// Gets the caller's metadata: saved by <see cref="Save"/> and replaced by the file's on
        /// <see cref="Load"/>. Keys and values are any strings.
        /// </summary>
        public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Registers a model: its parameters, carried initial states and dropout position.</summary>
        /// <param name="key">A name for it in the file: letters, digits, '_' or '-', unique in this checkpoint.</param>
        /// <param name="model">The model.</param>
        /// <returns>This checkpoint, for chaining.</returns>
        /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The key is invalid or already used, or the model is already registered.</exception>
        public TrainingCheckpoint Add(string key, IRnnModel model)
        {
            ArgumentNullException.ThrowIfNull(model);
            CheckKey(key);
            foreach (var (_, existing) in _models)
            {
                if (ReferenceEquals(existing, model))
                {
                    throw new ArgumentException("The model is already registered.", nameof(model));
                }
            }

            _keys.Add(key);
            _models.Add((key, model));
            return this;
        }

        /// <summary>
        /// Registers an optimizer: its state, step counters and learning rate. Every parameter it
        /// updates must belong to a model registered with this checkpoint (before <see cref="Save"/>).
        /// </summary>
        /// <param name="key">A name for it in the file: letters, digits, '_' or '-', unique in this checkpoint.</param>
        /// <param name="optimizer">The optimizer.</param>
        /// <returns>This checkpoint, for chaining.</returns>
        /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The key is invalid or already used.</exception>
        public TrainingCheckpoint Add(string key, Optimizer optimizer)
        {
            ArgumentNullException.ThrowIfNull(optimizer);
            CheckKey(key);
            _keys.Add(key);
            _optimizers.Add((key, optimizer));
            return this;
        }

        /// <summary>Registers a random generator (for example the one that draws batches).</summary>
        /// <param name="key">A name for it in the file: letters, digits, '_' or '-', unique in this checkpoint.</param>
        /// <param name="random">The generator.</param>
        /// <returns>This checkpoint, for chaining.</returns>
        /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The key is invalid or already used.</exception>
        public TrainingCheckpoint Add(string key, RandomSource random)
        {
            ArgumentNullException.ThrowIfNull(random);
            CheckKey(key);
            _keys.Add(key);
            _randoms.Add((key, random));
            return this;
        }

        /// <summary>Writes the checkpoint atomically, replacing <paramref name="path"/>.</summary>
        /// <param name="path">The checkpoint file.</param>
        /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or an optimizer updates a
        /// parameter of no registered model.</exception>
        /// <exception cref="ObjectDisposedException">A registered model or optimizer has been disposed.</exception>
        /// <exception cref="IOException">The file could not be written; the previous checkpoint is intact.</exception>
        public void Save(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            var owners = ParameterOwners();
            List<TensorSpec> tensors = Tensors(owners, withValues: true);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [FormatKey] = FormatVersion };
            foreach (var (key, model) in _models)
            {
                if (model is IDropoutModel dropout)
                {
                    metadata[$"{key}/dropout_seed"] = dropout.DropoutSeed.ToString(CultureInfo.InvariantCulture);
                    metadata[$"{key}/dropout_passes"] = dropout.DropoutPasses.ToString(CultureInfo.InvariantCulture);
                }
            }

            foreach (var (key, optimizer) in _optimizers)
            {
                metadata[$"{key}/type"] = optimizer.Kind;
                metadata[$"{key}/settings"] = optimizer.Settings;
                metadata[$"{key}/parameters"] = ParameterList(optimizer, owners);
                metadata[$"{key}/step"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture);
                metadata[$"{key}/skipped"] = optimizer.SkippedSteps.ToString(CultureInfo.InvariantCulture);
                metadata[$"{key}/lr"] = optimizer.LearningRate.ToString("R", CultureInfo.InvariantCulture);
            }

            foreach (var (key, random) in _randoms)
            {
                metadata[$"{key}/random"] = random.StateText;
            }

            foreach (KeyValuePair<string, string> item in Metadata)
            {
                ArgumentNullException.ThrowIfNull(item.Value, nameof(Metadata));
                metadata[UserPrefix + item.Key] = item.Value;
            }

            SafeTensors.Write(path, [.. tensors], metadata);
        }

        /// <summary>Restores every registered object from a checkpoint, if the file exists.</summary>
        /// <param name="path">The checkpoint file.</param>
        /// <returns><see langword="true"/> when a checkpoint was restored; <see langword="false"/> when there is no file.</returns>
        /// <exception cref="WeightFileException">The file is not a checkpoint of these objects; nothing was changed.</exception>
        public bool TryLoad(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            if (!File.Exists(path))
            {
                return false;
            }

            Load(path);
            return true;
        }

        /// <summary>
        /// Restores every registered object from a checkpoint. The whole file is read and checked
        /// first (every tensor's name and shape, the optimizers' kinds, hyper-parameters and parameter
        /// lists, finite values); on any error nothing is changed.
        /// </summary>
        /// <param name="path">The checkpoint file.</param>
        /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or an optimizer updates a parameter of no registered model.</exception>
        /// <exception cref="WeightFileException">The file is malformed or not a checkpoint of these objects.</exception>
        /// <exception cref="IOException">The file could not be read.</exception>
        public void Load(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            var owners = ParameterOwners();
            List<TensorSpec> specs = Tensors(owners, withValues: false);

            float[][] staged = SafeTensors.ReadStaged(path, [.. specs], allowNonFinite: false, out IReadOnlyDictionary<string, string> metadata);

            // Check every counter, setting and generator state before anything changes.
            string Require(string name) =>
                metadata.TryGetValue(name, out string? value) ? value : throw new WeightFileException($"Checkpoint '{path}' has no '{name}' entry; it was not saved with the same models, optimizers and generators.");

            if (Require(FormatKey) != FormatVersion)
            {
                throw new WeightFileException($"Checkpoint '{path}' has format version '{metadata[FormatKey]}'; this version of RnnGen reads version {FormatVersion}.");
            }

            var dropouts = new (ulong Seed, long Passes)[_models.Count];
            for (int m = 0; m < _models.Count; m++)
            {
                var (key, model) = _models[m];
                if (model is IDropoutModel)
                {
                    dropouts[m] = (
                        ParseNumber<ulong>(Require($"{key}/dropout_seed"), path, $"{key}/dropout_seed"),
                        ParseNumber<long>(Require($"{key}/dropout_passes"), path, $"{key}/dropout_passes"));
                    if (dropouts[m].Passes < 0)
                    {
                        throw new WeightFileException($"Checkpoint '{path}': '{key}/dropout_passes' is negative.");
                    }
                }
            }

            var counters = new (int Step, int Skipped, float LearningRate)[_optimizers.Count];
            for (int o = 0; o < _optimizers.Count; o++)
            {
                var (key, optimizer) = _optimizers[o];
                string kind = Require($"{key}/type"), settings = Require($"{key}/settings");
                if (kind != optimizer.Kind || settings != optimizer.Settings)
                {
                    throw new WeightFileException($"Checkpoint '{path}' holds the state of {kind} ({settings}) under '{key}', but the optimizer registered there is {optimizer.Kind} ({optimizer.Settings}).");
                }

                if (Require($"{key}/parameters") != ParameterList(optimizer, owners))
                {
                    throw new WeightFileException($"Checkpoint '{path}': the optimizer '{key}' was saved with other parameters, or in another order.");
                }

                counters[o] = (
                    ParseNumber<int>(Require($"{key}/step"), path, $"{key}/step"),
                    ParseNumber<int>(Require($"{key}/skipped"), path, $"{key}/skipped"),
                    ParseNumber<float>(Require($"{key}/lr"), path, $"{key}/lr"));
                if (counters[o].Step < 0 || counters[o].Skipped < 0 || !(counters[o].LearningRate >= 0f) || !float.IsFinite(counters[o].LearningRate))
                {
                    throw new WeightFileException($"Checkpoint '{path}': the counters or learning rate of '{key}' are out of range.");
                }
            }

            var randoms = new string[_randoms.Count];
            for (int r = 0; r < _randoms.Count; r++)
            {
                string key = _randoms[r].Key;
                randoms[r] = Require($"{key}/random");
                try
                {
                    new RandomSource(0).StateText = randoms[r];
                }
                catch (FormatException e)
                {
                    throw new WeightFileException($"Checkpoint '{path}': '{key}/random' is not a generator state. {e.Message}", null, e);
                }
            }

            // Touch every destination, so a disposed model is reported before anything is copied.
            foreach (var (_, model) in _models)
            {
                foreach (Parameter parameter in model.Parameters)
                {
                    _ = parameter.Value;
                }
            }

            // Commit, in the order the tensors were listed.
            int next = 0;
            for (int m = 0; m < _models.Count; m++)
            {
                var (_, model) = _models[m];
                foreach (Parameter parameter in model.Parameters)
                {
                    staged[next++].CopyTo(parameter.Value);
                }

                for (int layer = 0; layer < model.LayerCount; layer++)
                {
                    staged[next++].CopyTo(model.InitialHidden(layer));
                    if (model.HasCellState(layer))
                    {
                        staged[next++].CopyTo(model.InitialCell(layer));
                    }
                }

                if (model is IDropoutModel dropout)
                {
                    dropout.DropoutSeed = dropouts[m].Seed;
                    dropout.DropoutPasses = dropouts[m].Passes;
                }
            }

            for (int o = 0; o < _optimizers.Count; o++)
            {
                Optimizer optimizer = _optimizers[o].Optimizer;
                foreach (var (_, buffer) in optimizer.StateBuffers)
                {
                    for (int i = 0; i < optimizer.Parameters.Count; i++)
                    {
                        staged[next++].CopyTo(buffer.AsSpan(optimizer.StateOffsetOf(i), optimizer.Parameters[i].Length));
                    }
                }

                optimizer.RestoreCounters(counters[o].Step, counters[o].Skipped);
                optimizer.LearningRate = counters[o].LearningRate;
            }

            for (int r = 0; r < _randoms.Count; r++)
            {
                _randoms[r].Random.StateText = randoms[r];
            }

            Metadata.Clear();
            foreach (KeyValuePair<string, string> item in metadata)
            {
                if (item.Key.StartsWith(UserPrefix, StringComparison.Ordinal))
                {
                    Metadata[item.Key.Substring(UserPrefix.Length)] = item.Value;
                }
            }
        }

        /// <summary>
        /// Every tensor of the checkpoint, in file order: each model's parameters and initial states,
        /// then each optimizer's state buffers parameter by parameter. <see cref="Load"/> commits in
        /// this order too.
        /// </summary>
        /// <param name="owners">The "{model}/{parameter}" name of every registered parameter.</param>
        /// <param name="withValues">Whether to attach the values to write (copies of states and optimizer buffers).</param>
        /// <returns>The tensors.</returns>
        private List<TensorSpec> Tensors(Dictionary<Parameter, string> owners, bool withValues)
        {
            var tensors = new List<TensorSpec>();
            foreach (var (key, model) in _models)
            {
                foreach (Parameter parameter in model.Parameters)
                {
                    tensors.Add(new TensorSpec(owners[parameter], parameter.Shape, parameter: withValues ? parameter : null));
                }

                for (int layer = 0; layer < model.LayerCount; layer++)
                {
                    tensors.Add(new TensorSpec($"{key}/initial_hidden/{layer}", [model.BatchSize, model.HiddenSize(layer)], array: withValues ? model.InitialHidden(layer).ToArray() : null));
                    if (model.HasCellState(layer))
                    {
                        tensors.Add(new TensorSpec($"{key}/initial_cell/{layer}", [model.BatchSize, model.CellSize(layer)], array: withValues ? model.InitialCell(layer).ToArray() : null));
                    }
                }
            }

            foreach (var (key, optimizer) in _optimizers)
            {
                optimizer.ThrowIfDisposed();
                IReadOnlyList<Parameter> parameters = optimizer.Parameters;
                foreach (var (state, buffer) in optimizer.StateBuffers)
                {
                    for (int i = 0; i < parameters.Count; i++)
                    {
                        float[]? values = withValues ? buffer.AsSpan(optimizer.StateOffsetOf(i), parameters[i].Length).ToArray() : null;
                        tensors.Add(new TensorSpec($"{key}/{state}/{owners[parameters[i]]}", parameters[i].Shape, array: values));
                    }
                }
            }

            return tensors;
        }

        private static T ParseNumber<T>(string text, string path, string name)
            where T : ISpanParsable<T>
        {
            return T.TryParse(text, CultureInfo.InvariantCulture, out T? value)
                ? value
                : throw new WeightFileException($"Checkpoint '{path}': '{name}' is '{text}', not a number.");
        }

        private static string ParameterList(Optimizer optimizer, Dictionary<Parameter, string> owners)
        {
            var names = new string[optimizer.Parameters.Count];
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = owners[optimizer.Parameters[i]];
            }

            return string.Join("\n", names);
        }

        /// <summary>Maps each registered model's parameters to "{model}/{parameter}", and checks every optimizer parameter has an owner.</summary>
        private Dictionary<Parameter, string> ParameterOwners()
        {
            var owners = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
            foreach (var (key, model) in _models)
            {
                foreach (Parameter parameter in model.Parameters)
                {
                    owners[parameter] = $"{key}/{parameter.Name}";
                }
            }

            foreach (var (key, optimizer) in _optimizers)
            {
                foreach (Parameter parameter in optimizer.Parameters)
                {
                    if (!owners.ContainsKey(parameter))
                    {
                        throw new ArgumentException($"The optimizer '{key}' updates '{parameter.Name}', which belongs to no model registered with this checkpoint; add that model too.");
                    }
                }
            }

            return owners;
        }

        private void CheckKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            if (key.Length > 64)
            {
                throw new ArgumentException($"The key '{key}' is longer than 64 characters.", nameof(key));
            }

            foreach (char c in key)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                {
                    throw new ArgumentException($"The key '{key}' may contain only letters, digits, '_' and '-'.", nameof(key));
                }
            }

            if (key == "user" || key == "rnngen" || _keys.Contains(key))
            {
                throw new ArgumentException($"The key '{key}' is already used.", nameof(key));
            }
        }
    }
}
