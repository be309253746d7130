#!/usr/bin/env python3
"""Exports the side-by-side benchmark's models from PyTorch: ONNX graphs for ONNX Runtime and the
same weights as safetensors for RnnGen (and, through RnnGen's parameters, for TorchSharp).

    /usr/bin/python3 bench/export_onnx.py [OUTPUT_DIR]     # default: bench/onnx-models/

Every model is an nn.LSTM / nn.GRU (batch_first) followed by an nn.Linear, in PyTorch's default
initialisation from a fixed seed, in float32. The modules are registered under the names RnnGen's
generated models use for their layers (``lstm``, ``gru``, ``dense``, ``embedding``), so each
safetensors file holds exactly the module's state_dict, with PyTorch's names, which the generated
``Load`` reads unchanged (as tests/fixtures-src/make_fixtures.py's state_dict fixture shows).

Written to OUTPUT_DIR:

* ``lstm_64_128.safetensors``, ``gru_64_128.safetensors``, ``lstm_1_40.safetensors``: the weights of
  the streaming models (LSTM 64→128 + Dense 64, GRU 64→128 + Dense 64, LSTM 1→40 + Dense 1).
* ``lstm_64_128_step.onnx``, ``gru_64_128_step.onnx``, ``lstm_1_40_step.onnx``: one step that carries
  the state: inputs ``x`` [B, 1, I], ``h0`` [1, B, H] (and ``c0`` for the LSTMs), outputs ``y``
  [B, 1, O], ``hn`` (and ``cn``). B is a dynamic axis (1 for a stream, 64 for 64 streams).
* ``lstm_64_128_sequence.onnx``: the whole-sequence forward pass of the first model from a zero
  state: input ``x`` [B, T, 64], output ``y`` [B, T, 64], B and T dynamic.
* ``char_lstm.safetensors``: the char model (Embedding 65×32 → 2 × LSTM 128 → Dense 65), for the
  training row, which runs in RnnGen and TorchSharp only.
* ``.gitignore``: ``*``, so nothing here is committed.

Needs only torch (Debian's python3-torch 1.13 writes the ONNX protobuf itself; the ``onnx`` module
is not required) and numpy. Each ONNX graph is checked against PyTorch with onnxruntime when that
module is installed, and skipped otherwise (the C# harness checks every peer against RnnGen anyway).
"""

import argparse
import json
import os
import struct
import sys
import warnings
from collections import OrderedDict

import torch
from torch import nn

OPSET = 14  # torch 1.13's default; ONNX Runtime 1.32 runs it.


class StepModel(nn.Module):
    """A recurrent layer and a dense head; ``forward`` takes and returns the state, one step or many."""

    def __init__(self, kind, inputs, hidden, outputs):
        super().__init__()
        self.kind = kind
        layer = (nn.LSTM if kind == "lstm" else nn.GRU)(inputs, hidden, batch_first=True)
        # Registered under the layer names RnnGen's generated models use, so the state_dict keys
        # are lstm.weight_ih_l0 … dense.bias.
        self.add_module(kind, layer)
        self.dense = nn.Linear(hidden, outputs)

    def forward(self, x, h0, c0=None):
        layer = getattr(self, self.kind)
        if self.kind == "lstm":
            y, (hn, cn) = layer(x, (h0, c0))
            return self.dense(y), hn, cn
        y, hn = layer(x, h0)
        return self.dense(y), hn


class SequenceModel(nn.Module):
    """The whole-sequence forward pass of a StepModel from a zero state (what RnnGen's Forward does)."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def forward(self, x):
        layer = getattr(self.step, self.step.kind)
        y, _ = layer(x)
        return self.step.dense(y)


class CharModel(nn.Module):
    """samples/CharRnn's model: Embedding 65×32 → 2 × LSTM 128 → Dense 65."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(65, 32)
        self.lstm = nn.LSTM(32, 128, num_layers=2, batch_first=True)
        self.dense = nn.Linear(128, 65)


def write_safetensors(path, state_dict):
    """Writes float32 tensors in the safetensors layout: a little-endian u64 header length, a JSON
    header of {name: {dtype, shape, data_offsets}}, then the raw little-endian data."""
    header, blobs, offset = OrderedDict(), [], 0
    for name, tensor in state_dict.items():
        data = tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # align the data to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def export(module, args, path, input_names, output_names, dynamic_axes):
    with warnings.catch_warnings():
        # torch 1.13 warns that an LSTM exported with batch_first is correct only for a fixed batch
        # size when h0 is given; here h0's batch axis is dynamic too, and the check below runs B = 3.
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)


def check_with_onnxruntime(path, module, feeds):
    """Runs the graph in the onnxruntime Python module, if installed; returns the max abs difference."""
    try:
        import onnxruntime  # noqa: PLC0415  (optional)
    except ImportError:
        return None
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(None, {name: value.numpy() for name, value in feeds.items()})
    with torch.no_grad():
        want = module(*feeds.values())
    want = want if isinstance(want, tuple) else (want,)
    return max(float((torch.from_numpy(g) - w).abs().max()) for g, w in zip(got, want))


def main():
    parser = argparse.ArgumentParser(description="Export the side-by-side benchmark's ONNX models and weights.")
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx-models")
    parser.add_argument("output", nargs="?", default=default, help="output directory (default: bench/onnx-models/)")
    args = parser.parse_args()
    out = args.output
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, ".gitignore"), "w", encoding="utf-8") as f:
        f.write("# Generated by bench/export_onnx.py; not committed.\n*\n")

    torch.set_num_threads(1)
    for name, kind, inputs, hidden, outputs, seed in [
        ("lstm_64_128", "lstm", 64, 128, 64, 1),
        ("gru_64_128", "gru", 64, 128, 64, 2),
        ("lstm_1_40", "lstm", 1, 40, 1, 3),
    ]:
        torch.manual_seed(seed)
        model = StepModel(kind, inputs, hidden, outputs).eval()
        write_safetensors(os.path.join(out, f"{name}.safetensors"), model.state_dict())

        batch = 3  # any batch size: the axis is dynamic
        x = torch.randn(batch, 1, inputs)
        h0 = torch.randn(1, batch, hidden) * 0.5
        feeds = OrderedDict([("x", x), ("h0", h0)])
        names_out = ["y", "hn"]
        if kind == "lstm":
            feeds["c0"] = torch.randn(1, batch, hidden) * 0.5
            names_out.append("cn")
        axes = {"x": {0: "batch"}, "y": {0: "batch"}}
        axes.update({n: {1: "batch"} for n in list(feeds)[1:] + names_out[1:]})
        path = os.path.join(out, f"{name}_step.onnx")
        export(model, tuple(feeds.values()), path, list(feeds), names_out, axes)
        report(path, check_with_onnxruntime(path, model, feeds))

        if name == "lstm_64_128":
            sequence = SequenceModel(model).eval()
            x = torch.randn(2, 5, inputs)
            path = os.path.join(out, f"{name}_sequence.onnx")
            export(sequence, (x,), path, ["x"], ["y"], {"x": {0: "batch", 1: "time"}, "y": {0: "batch", 1: "time"}})
            report(path, check_with_onnxruntime(path, sequence, OrderedDict([("x", torch.randn(3, 7, inputs))])))

    torch.manual_seed(4)
    write_safetensors(os.path.join(out, "char_lstm.safetensors"), CharModel().state_dict())
    print(f"wrote {os.path.join(out, 'char_lstm.safetensors')}")
    return 0


def report(path, difference):
    check = "not checked (no onnxruntime module)" if difference is None else f"max |onnxruntime - torch| = {difference:.2e}"
    print(f"wrote {path}: {check}")


if __name__ == "__main__":
    sys.exit(main())
