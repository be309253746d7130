using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnGen.SideBySide;

/// <summary>
/// Whether TorchSharp (LibTorch) loads in this process, and why not when it does not.
/// </summary>
internal static class TorchRuntime
{
    /// <summary>
    /// Initialises TorchSharp once: <c>torch.ones(2)</c> on the CPU, one inter-op thread.
    /// </summary>
    /// <remarks>
    /// The native library is loaded directly first. When TorchSharp's own loader fails it prints a
    /// page about package references to standard output, copies every LibTorch library (about
    /// 500 MB) into a <c>cpu/</c> folder beside the program to try again, and reports neither the
    /// loader's message nor the real cause; loading it here first gives the loader's message (a
    /// missing library, or a symbol version this system's libstdc++ lacks) and leaves TorchSharp alone.
    /// </remarks>
    /// <param name="reason">Why TorchSharp cannot run, when it returns <see langword="false"/>.</param>
    /// <returns>Whether TorchSharp works.</returns>
    public static bool TryLoad(out string reason)
    {
        string library = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        if (!File.Exists(library))
        {
            reason = $"{library} is missing";
            return false;
        }

        try
        {
            // Kept loaded: TorchSharp's own load then finds it in the process.
            NativeLibrary.Load(library);
        }
        catch (DllNotFoundException e)
        {
            // .NET's message ends with the loader's own (dlerror) on its last line.
            reason = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
            if (reason.Contains("GLIBCXX_", StringComparison.Ordinal))
            {
                reason += ". Patch the library with bench/side_by_side/weaken_glibcxx.py (bench/side_by_side_dotnet.sh does this after each build).";
            }

            return false;
        }

        try
        {
            using var probe = ones(2);
            using var sum = probe.sum();
            if (sum.item<float>() != 2f)
            {
                reason = "torch.ones(2).sum() is not 2";
                return false;
            }

            // Inter-op parallelism is for independent operators; none of the rows has any.
            set_num_interop_threads(1);
            reason = string.Empty;
            return true;
        }
        catch (Exception e) when (e is NotSupportedException or TypeInitializationException or DllNotFoundException or ExternalException)
        {
            reason = e.GetBaseException().Message.Split('\n')[0].Trim();
            return false;
        }
    }
}

/// <summary>
/// TorchSharp's side: the same modules as PyTorch (nn.LSTM / nn.GRU with batch_first, or
/// LSTMCell / GRUCell, then nn.Linear) holding RnnGen's weights, run eagerly on LibTorch.
/// </summary>
/// <remarks>
/// Inference runs under <c>torch.no_grad()</c>, entered around each sample as a user would around
/// a loop of steps; the thread count is set with <c>torch.set_num_threads</c> before each sample,
/// since the rows interleave 1- and 2-thread work with the other implementations. Each call returns
/// new tensors; the previous call's are disposed at once rather than left to the finaliser.
/// </remarks>
internal abstract class TorchContender : Contender
{
    private readonly int _threads;
    private readonly bool _inference;
    private readonly List<IDisposable> _owned = [];

    /// <summary>Initialises the contender.</summary>
    /// <param name="name">The name shown in the table.</param>
    /// <param name="threads">LibTorch's intra-op threads for this row.</param>
    /// <param name="inference">Whether to run under no_grad.</param>
    protected TorchContender(string name, int threads, bool inference)
        : base(name)
    {
        _threads = threads;
        _inference = inference;
    }

    /// <inheritdoc/>
    public override IDisposable? BeginSample()
    {
        set_num_threads(_threads);
        return _inference ? no_grad() : null;
    }

    /// <summary>Registers something to dispose with the contender.</summary>
    /// <typeparam name="T">Its type.</typeparam>
    /// <param name="value">A module, tensor or optimizer.</param>
    /// <returns><paramref name="value"/>.</returns>
    protected T Own<T>(T value)
        where T : IDisposable
    {
        _owned.Add(value);
        return value;
    }

    /// <summary>
    /// Copies RnnGen's parameters into a module's, matching PyTorch's names: <paramref name="prefix"/>
    /// + the module's own parameter name, with <paramref name="suffix"/> appended for a cell module
    /// (LSTMCell's weight_ih is nn.LSTM's weight_ih_l0).
    /// </summary>
    /// <param name="module">The TorchSharp module.</param>
    /// <param name="prefix">RnnGen's layer name and a dot, e.g. "lstm.".</param>
    /// <param name="suffix">"_l0" for a cell's weights and biases, otherwise empty.</param>
    /// <param name="weights">RnnGen's parameters by name.</param>
    /// <returns>The number of parameters copied.</returns>
    protected static int CopyWeights(nn.Module module, string prefix, string suffix, IReadOnlyDictionary<string, (long[] Shape, float[] Values)> weights)
    {
        int copied = 0;
        using var _ = no_grad();
        foreach (var (name, parameter) in module.named_parameters())
        {
            string key = prefix + name + (name.StartsWith("weight_", StringComparison.Ordinal) || name.StartsWith("bias_", StringComparison.Ordinal) ? suffix : string.Empty);
            if (!weights.TryGetValue(key, out var source))
            {
                throw new InvalidOperationException($"RnnGen has no parameter '{key}' for TorchSharp's {name}.");
            }

            if (!source.Shape.SequenceEqual(parameter.shape))
            {
                throw new InvalidOperationException($"'{key}' is [{string.Join(", ", source.Shape)}] in RnnGen and [{string.Join(", ", parameter.shape)}] in TorchSharp.");
            }

            using var values = tensor(source.Values, source.Shape);
            parameter.copy_(values);
            copied++;
        }

        return copied;
    }

    /// <summary>A copy of a float tensor's values.</summary>
    /// <param name="value">The tensor.</param>
    /// <returns>Its values in row-major order.</returns>
    protected static float[] Values(Tensor value) => value.contiguous().data<float>().ToArray();

    /// <summary>Replaces <paramref name="field"/> with <paramref name="value"/>, disposing the old tensor.</summary>
    /// <param name="field">The slot.</param>
    /// <param name="value">The new tensor.</param>
    protected static void Replace(ref Tensor field, Tensor value)
    {
        var old = field;
        field = value;
        old.Dispose();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            for (int i = _owned.Count - 1; i >= 0; i--)
            {
                _owned[i].Dispose();
            }
        }
    }
}

/// <summary>
/// A streaming step in TorchSharp: either nn.LSTM / nn.GRU on a sequence of one step (x [B, 1, I],
/// state [1, B, H]) or LSTMCell / GRUCell (x [B, I], state [B, H]), then nn.Linear; the returned
/// state is passed to the next call.
/// </summary>
internal sealed class TorchStep : TorchContender
{
    private readonly Func<Tensor, Tensor, Tensor?, (Tensor Output, Tensor H, Tensor? C)> _step;
    private readonly Tensor _x;
    private readonly long[] _stateShape;
    private readonly bool _lstm;
    private Tensor _h;
    private Tensor? _c;
    private Tensor _y;

    /// <summary>Builds the step.</summary>
    /// <param name="cell">Whether to use LSTMCell / GRUCell rather than nn.LSTM / nn.GRU.</param>
    /// <param name="lstm">LSTM rather than GRU.</param>
    /// <param name="batch">Streams stepped together.</param>
    /// <param name="input">[B, I] values.</param>
    /// <param name="hidden">H.</param>
    /// <param name="outputs">O.</param>
    /// <param name="weights">RnnGen's parameters by name (layer "lstm" or "gru", head "dense").</param>
    public TorchStep(bool cell, bool lstm, int batch, float[] input, int hidden, int outputs, IReadOnlyDictionary<string, (long[] Shape, float[] Values)> weights)
        : base(cell ? (lstm ? "TorchSharp LSTMCell" : "TorchSharp GRUCell") : (lstm ? "TorchSharp nn.LSTM" : "TorchSharp nn.GRU"), 1, inference: true)
    {
        int features = input.Length / batch;
        _lstm = lstm;
        string layer = lstm ? "lstm." : "gru.";
        var dense = Own(nn.Linear(hidden, outputs));
        CopyWeights(dense, "dense.", string.Empty, weights);
        _stateShape = cell ? [batch, hidden] : [1, batch, hidden];
        _x = Own(tensor(input, cell ? [batch, features] : [batch, 1, features]));
        if (cell && lstm)
        {
            var module = Own(nn.LSTMCell(features, hidden));
            CopyWeights(module, layer, "_l0", weights);
            _step = (x, h, c) =>
            {
                var (h1, c1) = module.call(x, (h, c!));
                return (dense.call(h1), h1, c1);
            };
        }
        else if (cell)
        {
            var module = Own(nn.GRUCell(features, hidden));
            CopyWeights(module, layer, "_l0", weights);
            _step = (x, h, _) =>
            {
                var h1 = module.call(x, h);
                return (dense.call(h1), h1, null);
            };
        }
        else if (lstm)
        {
            var module = Own(nn.LSTM(features, hidden, batchFirst: true));
            CopyWeights(module, layer, string.Empty, weights);
            _step = (x, h, c) =>
            {
                var (y, h1, c1) = module.call(x, (h, c!));
                var output = dense.call(y);
                y.Dispose();
                return (output, h1, c1);
            };
        }
        else
        {
            var module = Own(nn.GRU(features, hidden, batchFirst: true));
            CopyWeights(module, layer, string.Empty, weights);
            _step = (x, h, _) =>
            {
                var (y, h1) = module.call(x, h);
                var output = dense.call(y);
                y.Dispose();
                return (output, h1, null);
            };
        }

        _h = zeros(_stateShape);
        _c = lstm ? zeros(_stateShape) : null;
        _y = zeros(1);
    }

    /// <inheritdoc/>
    public override void Run()
    {
        var (y, h, c) = _step(_x, _h, _c);
        Replace(ref _y, y);
        Replace(ref _h, h);
        if (c is not null)
        {
            var old = _c!;
            _c = c;
            old.Dispose();
        }
    }

    /// <inheritdoc/>
    protected override void Reset()
    {
        Replace(ref _h, zeros(_stateShape));
        if (_lstm)
        {
            var old = _c!;
            _c = zeros(_stateShape);
            old.Dispose();
        }
    }

    /// <inheritdoc/>
    protected override float[] Output() => Values(_y);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _h.Dispose();
            _c?.Dispose();
            _y.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The whole-sequence forward pass in TorchSharp: nn.LSTM (batch_first) from a zero state, then nn.Linear.</summary>
internal sealed class TorchSequence : TorchContender
{
    private readonly LSTM _lstm;
    private readonly Linear _dense;
    private readonly Tensor _x;
    private Tensor _y;

    /// <summary>Builds the forward pass.</summary>
    /// <param name="batch">B.</param>
    /// <param name="steps">T.</param>
    /// <param name="input">[B, T, I] values.</param>
    /// <param name="hidden">H.</param>
    /// <param name="outputs">O.</param>
    /// <param name="threads">Intra-op threads.</param>
    /// <param name="weights">RnnGen's parameters by name.</param>
    public TorchSequence(int batch, int steps, float[] input, int hidden, int outputs, int threads, IReadOnlyDictionary<string, (long[] Shape, float[] Values)> weights)
        : base("TorchSharp nn.LSTM", threads, inference: true)
    {
        int features = input.Length / (batch * steps);
        _lstm = Own(nn.LSTM(features, hidden, batchFirst: true));
        _dense = Own(nn.Linear(hidden, outputs));
        CopyWeights(_lstm, "lstm.", string.Empty, weights);
        CopyWeights(_dense, "dense.", string.Empty, weights);
        _x = Own(tensor(input, [batch, steps, features]));
        _y = zeros(1);
    }

    /// <inheritdoc/>
    public override void Run()
    {
        var (y, h, c) = _lstm.call(_x);
        Replace(ref _y, _dense.call(y));
        y.Dispose();
        h.Dispose();
        c.Dispose();
    }

    /// <inheritdoc/>
    protected override float[] Output() => Values(_y);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _y.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// A training step of the char model in TorchSharp: Embedding 65×32 → nn.LSTM(32, 128, 2 layers,
/// batch_first) → Linear 65, mean cross-entropy, backward, clip_grad_norm_(5), Adam (lr 2e-3,
/// PyTorch's defaults otherwise, as RnnGen's).
/// </summary>
internal sealed class TorchTrain : TorchContender
{
    private readonly Embedding _embedding;
    private readonly LSTM _lstm;
    private readonly Linear _dense;
    private readonly Tensor _tokens;
    private readonly Tensor _targets;
    private readonly List<TorchSharp.Modules.Parameter> _parameters;
    private readonly optim.Optimizer _adam;
    private readonly string[] _rnnGenOrder;

    /// <summary>Builds the model, with RnnGen's weights, and its optimizer.</summary>
    /// <param name="threads">Intra-op threads.</param>
    /// <param name="tokens">[32, 64] token ids.</param>
    /// <param name="targets">[32, 64] target ids.</param>
    /// <param name="weights">RnnGen's parameters by name.</param>
    /// <param name="rnnGenOrder">RnnGen's parameter names in its order, to lay the gradients out the same way for the check.</param>
    public TorchTrain(int threads, int[] tokens, int[] targets, IReadOnlyDictionary<string, (long[] Shape, float[] Values)> weights, string[] rnnGenOrder)
        : base("TorchSharp", threads, inference: false)
    {
        _embedding = Own(nn.Embedding(65, 32));
        _lstm = Own(nn.LSTM(32, 128, numLayers: 2, batchFirst: true));
        _dense = Own(nn.Linear(128, 65));
        int copied = CopyWeights(_embedding, "embedding.", string.Empty, weights)
            + CopyWeights(_lstm, "lstm.", string.Empty, weights)
            + CopyWeights(_dense, "dense.", string.Empty, weights);
        if (copied != weights.Count)
        {
            throw new InvalidOperationException($"TorchSharp's char model has {copied} of RnnGen's {weights.Count} parameters.");
        }

        _tokens = Own(tensor(tokens.Select(t => (long)t).ToArray(), [32, 64]));
        _targets = Own(tensor(targets.Select(t => (long)t).ToArray(), [32 * 64]));
        _parameters = [.. _embedding.parameters(), .. _lstm.parameters(), .. _dense.parameters()];
        _adam = Own(optim.Adam(_parameters, lr: 2e-3));
        _rnnGenOrder = rnnGenOrder;
    }

    /// <inheritdoc/>
    public override void Run()
    {
        using var scope = NewDisposeScope();
        _adam.zero_grad();
        Loss().backward();
        nn.utils.clip_grad_norm_(_parameters, 5.0);
        _adam.step();
    }

    /// <summary>The loss and every gradient of one forward and backward pass (no optimizer step), in RnnGen's parameter order.</summary>
    /// <param name="calls">Unused: one pass.</param>
    /// <returns>("loss", [loss]), ("gradients", all gradients).</returns>
    public override IReadOnlyList<(string What, float[] Values)> Check(int calls)
    {
        using var sample = BeginSample();
        using var scope = NewDisposeScope();
        _adam.zero_grad();
        var loss = Loss();
        loss.backward();
        var named = _embedding.named_parameters().Select(p => ("embedding." + p.name, p.parameter))
            .Concat(_lstm.named_parameters().Select(p => ("lstm." + p.name, p.parameter)))
            .Concat(_dense.named_parameters().Select(p => ("dense." + p.name, p.parameter)))
            .ToDictionary(p => p.Item1, p => p.parameter);
        var gradients = _rnnGenOrder.SelectMany(name => Values(named[name].grad!)).ToArray();
        float value = loss.item<float>();
        _adam.zero_grad();
        return [("loss", [value]), ("gradients", gradients)];
    }

    /// <inheritdoc/>
    protected override float[] Output() => [];

    private Tensor Loss()
    {
        var (y, h, c) = _lstm.call(_embedding.call(_tokens));
        return nn.functional.cross_entropy(_dense.call(y).reshape(-1, 65), _targets);
    }
}
