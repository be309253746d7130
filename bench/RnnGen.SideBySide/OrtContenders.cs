using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace RnnGen.SideBySide;

/// <summary>
/// A float32 tensor over 64-byte aligned native memory, wrapped once in an <see cref="OrtValue"/>
/// that ONNX Runtime reads or writes in place: nothing is allocated or copied per call.
/// </summary>
internal sealed unsafe class NativeTensor : IDisposable
{
    private float* _data;

    /// <summary>Allocates a zeroed tensor of the given shape.</summary>
    /// <param name="shape">The dimensions.</param>
    public NativeTensor(params long[] shape)
    {
        long length = 1;
        foreach (long d in shape)
        {
            length *= d;
        }

        Length = checked((int)length);
        _data = (float*)NativeMemory.AlignedAlloc((nuint)(Length * sizeof(float)), 64);
        Span.Clear();
        Value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, shape, (IntPtr)_data, Length * sizeof(float));
    }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The ONNX Runtime value over the memory.</summary>
    public OrtValue Value { get; }

    /// <summary>The memory.</summary>
    public Span<float> Span => new(_data, Length);

    /// <inheritdoc/>
    public void Dispose()
    {
        Value.Dispose();
        NativeMemory.AlignedFree(_data);
        _data = null;
    }
}

/// <summary>
/// ONNX Runtime's side of the inference rows: the graphs bench/export_onnx.py exported from
/// nn.LSTM / nn.GRU + nn.Linear, run through an <see cref="OrtIoBinding"/> over pre-allocated native
/// buffers.
/// </summary>
/// <remarks>
/// Sessions use the CPU execution provider, all graph optimisations, sequential execution, one
/// inter-op thread and the row's number of intra-op threads; a row with another thread count gets
/// its own session. A step carries its state by ping-pong: two bindings over two pairs of state
/// buffers, the first reading (h, c)[0] and writing (h, c)[1], the second the other way round,
/// used alternately, so the state is neither copied nor rebound between calls.
/// </remarks>
internal sealed class OrtContender : Contender
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding[] _bindings;
    private readonly List<NativeTensor> _tensors = [];
    private readonly NativeTensor _output;
    private readonly NativeTensor[] _states;
    private int _next;

    private OrtContender(string path, int threads, Func<OrtContender, (NativeTensor Output, NativeTensor[] States, OrtIoBinding[] Bindings)> bind)
        : base("ONNX Runtime")
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        _session = new InferenceSession(path, options);
        (_output, _states, _bindings) = bind(this);
    }

    /// <summary>
    /// A streaming step of <paramref name="batch"/> streams: inputs x [B, 1, I], h0 (and c0) [1, B, H];
    /// outputs y [B, 1, O], hn (and cn), the state carried by ping-pong between two bindings.
    /// </summary>
    /// <param name="path">The step graph (…_step.onnx).</param>
    /// <param name="batch">Streams stepped together.</param>
    /// <param name="input">The input, [B, I] values.</param>
    /// <param name="hidden">H.</param>
    /// <param name="outputs">O.</param>
    /// <param name="lstm">Whether there is a cell state (c0 / cn).</param>
    /// <returns>The contender, on one intra-op thread.</returns>
    public static OrtContender Step(string path, int batch, float[] input, int hidden, int outputs, bool lstm) =>
        new(path, 1, self =>
        {
            var x = self.Tensor(batch, 1, input.Length / batch);
            input.CopyTo(x.Span);
            var y = self.Tensor(batch, 1, outputs);
            string[] inputNames = lstm ? ["h0", "c0"] : ["h0"];
            string[] outputNames = lstm ? ["hn", "cn"] : ["hn"];
            var states = new NativeTensor[2 * inputNames.Length];
            for (int i = 0; i < states.Length; i++)
            {
                states[i] = self.Tensor(1, batch, hidden);
            }

            var bindings = new OrtIoBinding[2];
            for (int b = 0; b < 2; b++)
            {
                bindings[b] = self._session.CreateIoBinding();
                bindings[b].BindInput("x", x.Value);
                bindings[b].BindOutput("y", y.Value);
                for (int s = 0; s < inputNames.Length; s++)
                {
                    // Binding b reads state set b and writes state set 1 − b.
                    bindings[b].BindInput(inputNames[s], states[(b * inputNames.Length) + s].Value);
                    bindings[b].BindOutput(outputNames[s], states[((1 - b) * inputNames.Length) + s].Value);
                }
            }

            return (y, states, bindings);
        });

    /// <summary>The whole-sequence forward pass: x [B, T, I] → y [B, T, O] from a zero state.</summary>
    /// <param name="path">The sequence graph (…_sequence.onnx).</param>
    /// <param name="batch">B.</param>
    /// <param name="steps">T.</param>
    /// <param name="input">The inputs, [B, T, I] values.</param>
    /// <param name="outputs">O.</param>
    /// <param name="threads">Intra-op threads.</param>
    /// <returns>The contender.</returns>
    public static OrtContender Sequence(string path, int batch, int steps, float[] input, int outputs, int threads) =>
        new(path, threads, self =>
        {
            var x = self.Tensor(batch, steps, input.Length / (batch * steps));
            input.CopyTo(x.Span);
            var y = self.Tensor(batch, steps, outputs);
            var binding = self._session.CreateIoBinding();
            binding.BindInput("x", x.Value);
            binding.BindOutput("y", y.Value);
            return (y, [], [binding]);
        });

    /// <inheritdoc/>
    public override void Run()
    {
        _session.RunWithBinding(_runOptions, _bindings[_next]);
        if (_bindings.Length == 2)
        {
            _next ^= 1;
        }
    }

    /// <inheritdoc/>
    protected override void Reset()
    {
        foreach (var state in _states)
        {
            state.Span.Clear();
        }

        _next = 0;
    }

    /// <inheritdoc/>
    protected override float[] Output() => _output.Span.ToArray();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var binding in _bindings)
            {
                binding.Dispose();
            }

            _session.Dispose();
            _runOptions.Dispose();
            foreach (var tensor in _tensors)
            {
                tensor.Dispose();
            }
        }
    }

    private NativeTensor Tensor(params long[] shape)
    {
        var tensor = new NativeTensor(shape);
        _tensors.Add(tensor);
        return tensor;
    }
}
