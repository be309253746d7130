#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures used by the RnnGen C# tests.

Run from the repository root:

    /usr/bin/python3 tests/fixtures-src/make_fixtures.py

Everything is written to tests/Fixtures/ as safetensors files:

* ``{Model}.safetensors`` for every entry of ``MODELS`` below: the float32
  parameters of a small sequential recurrent model, a batch of inputs and
  targets, and the reference output, loss and parameter gradients.
* ``optimizers.safetensors``: parameter trajectories of torch.optim SGD /
  Adam / Adagrad over five steps, plus one gradient-norm clipping case.

The script is deterministic: every random draw comes from a fixed seed,
torch runs single-threaded, and the files are written byte for byte by the
small writer below (no dependency on the ``safetensors`` package). Every
file is read back and checked after it is written.

Safetensors layout (https://github.com/huggingface/safetensors):

    u64 little-endian N | N bytes UTF-8 JSON header | raw data

The header maps tensor names to {"dtype", "shape", "data_offsets": [b, e]}
(offsets relative to the start of the data section) plus a "__metadata__"
object of string -> string. Here the header is padded with trailing spaces
so that N is a multiple of 8, and tensors are stored contiguously in header
order. Scalars have shape [].
"""

import hashlib
import json
import os
import struct
import sys
from collections import OrderedDict, namedtuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------
# Model table. Add a row to add a fixture.
#
#   name       file name (tests/Fixtures/{name}.safetensors) and metadata "model"
#   seed       torch.manual_seed used for the default parameter initialisation;
#              the inputs/targets use an independent generator seeded seed + 1000
#   T, B       sequence length and batch size
#   inp        Embedding(layer name, V, D) for token ids, or Features(F)
#   rec        recurrent layers in order, each feeding the next:
#              Rec(layer name, kind in {"rnn_tanh", "rnn_relu", "lstm", "gru", "lstm_peephole",
#                  "lstm_coupled", "lstm_peephole_coupled", "gru_reset_before", "mut1", "mut2",
#                  "mut3"}, hidden size, num_layers); the variants are written step by step
#                  (VariantLstm, GruResetBefore, Mut) with autograd
#   dense      Dense(layer name, O, readout): nn.Linear applied at every time step
#              (readout "every"), or once per sequence to the top layer's output at
#              the last step ("last") or to its mean over the steps ("mean")
#   loss       "ce" (cross entropy over the [rows, O] logits, mean) or "mse" (mean)
#   attn       Attn(layer name, memory size Hm, memory length Tm, units A, memory lengths per
#              batch entry): additive attention of the top layer's outputs over a random memory,
#              e = v.tanh(Wq s + Wk m + bk), softmax over the real memory steps, and the head
#              reads [s ; c]; or None
#   head_dropout  dropout probability on the top layer's outputs (what the attention and the
#              head read), 0 for none; a Rec's input_dropout is the dropout on its input and its
#              dropout the one between its stacked layers (nn.LSTM's dropout). The masks are
#              RnnGen's counter-based hash (dropout_mask below) for seed 0, pass 0, so the C#
#              model reproduces them exactly.
#   cond       size F of a conditioning vector that sets every layer's initial state
#              (h0 = tanh(W_h c + b_h), c0 = W_c c + b_c per flattened layer), or 0
# ---------------------------------------------------------------------------
Embedding = namedtuple("Embedding", "name vocab dim")
Features = namedtuple("Features", "size")
Rec = namedtuple("Rec", "name kind hidden layers input_dropout dropout proj", defaults=(0.0, 0.0, 0))
Dense = namedtuple("Dense", "name out readout", defaults=("every",))
Attn = namedtuple("Attn", "name memory_size memory_length units memory_lengths")
Model = namedtuple("Model", "name seed T B inp rec dense loss cond attn head_dropout", defaults=(0, None, 0.0))

MODELS = [
    Model("RnnTanh", 101, T=4, B=3, inp=Features(3),
          rec=[Rec("rnn", "rnn_tanh", 5, 1)], dense=Dense("dense", 2), loss="mse"),
    Model("RnnRelu2", 102, T=5, B=2, inp=Embedding("embedding", 7, 6),
          rec=[Rec("rnn", "rnn_relu", 9, 2)], dense=Dense("dense", 7), loss="ce"),
    Model("Lstm1", 103, T=6, B=3, inp=Embedding("embedding", 11, 8),
          rec=[Rec("lstm", "lstm", 13, 1)], dense=Dense("dense", 11), loss="ce"),
    Model("Lstm3Mse", 104, T=4, B=2, inp=Features(5),
          rec=[Rec("lstm", "lstm", 20, 3)], dense=Dense("dense", 4), loss="mse"),
    Model("Gru2", 105, T=5, B=4, inp=Embedding("embedding", 10, 7),
          rec=[Rec("gru", "gru", 17, 2)], dense=Dense("dense", 10), loss="ce"),
    Model("Gru1Mse", 106, T=3, B=2, inp=Features(4),
          rec=[Rec("gru", "gru", 33, 1)], dense=Dense("dense", 3), loss="mse"),
    Model("Mixed", 107, T=4, B=2, inp=Embedding("embedding", 9, 12),
          rec=[Rec("enc", "lstm", 19, 1), Rec("mid", "gru", 24, 1),
               Rec("top", "rnn_tanh", 8, 1)],
          dense=Dense("head", 9), loss="ce"),
    Model("CharLstm", 108, T=8, B=4, inp=Embedding("embedding", 65, 32),
          rec=[Rec("lstm", "lstm", 128, 2)], dense=Dense("dense", 65), loss="ce"),
    Model("Lstm40", 109, T=16, B=1, inp=Features(1),
          rec=[Rec("lstm", "lstm", 40, 1)], dense=Dense("dense", 1), loss="mse"),
    # Edge shapes: sizes of 1, one step, one sequence; scalar-only tails (H = 1, 2); sizes just
    # past a vector width (129 = 8·16 + 1, 100 = 6·16 + 4, 31 = 16 + 8 + 4 + 3); a ReLU layer on
    # top of an LSTM; three stacked GRUs.
    Model("Tiny", 110, T=1, B=1, inp=Embedding("embedding", 2, 1),
          rec=[Rec("gru", "gru", 1, 1), Rec("lstm", "lstm", 2, 1)], dense=Dense("dense", 2), loss="ce"),
    Model("RnnWide", 111, T=3, B=5, inp=Features(7),
          rec=[Rec("rnn", "rnn_tanh", 100, 2)], dense=Dense("dense", 16), loss="mse"),
    Model("Gru3", 112, T=6, B=2, inp=Embedding("embedding", 30, 24),
          rec=[Rec("gru", "gru", 64, 3)], dense=Dense("dense", 30), loss="ce"),
    Model("LstmRelu", 113, T=3, B=3, inp=Features(17),
          rec=[Rec("lstm", "lstm", 31, 1), Rec("relu", "rnn_relu", 129, 1)], dense=Dense("out", 5), loss="mse"),
    # Many-to-one: the head reads the last step, or the mean over the steps.
    Model("LstmLast", 114, T=5, B=3, inp=Embedding("embedding", 12, 6),
          rec=[Rec("lstm", "lstm", 16, 2)], dense=Dense("dense", 4, "last"), loss="ce"),
    Model("GruMean", 115, T=4, B=3, inp=Features(5),
          rec=[Rec("gru", "gru", 10, 1), Rec("rnn", "rnn_tanh", 7, 1)], dense=Dense("dense", 3, "mean"), loss="mse"),
    # One-to-many: every layer's initial state from a conditioning vector.
    Model("CondLstm", 116, T=5, B=3, inp=Embedding("embedding", 8, 5),
          rec=[Rec("lstm", "lstm", 12, 1), Rec("gru", "gru", 9, 1)], dense=Dense("dense", 8), loss="ce", cond=4),
    # Encoder–decoder: a decoder attending over a memory (an encoder's outputs).
    Model("AttnDecoder", 117, T=4, B=3, inp=Embedding("embedding", 9, 5),
          rec=[Rec("lstm", "lstm", 11, 1)], dense=Dense("dense", 9), loss="ce",
          attn=Attn("attention", 7, 6, 10, [6, 2, 4])),
    # Dropout: on the embedded input, between stacked layers, between attributes and on the head's
    # input; on the top layer's outputs before attention; with last-step and mean readouts.
    Model("DropoutStack", 118, T=5, B=3, inp=Embedding("embedding", 9, 6),
          rec=[Rec("lstm", "lstm", 10, 2, input_dropout=0.25, dropout=0.5), Rec("gru", "gru", 7, 1, input_dropout=0.3)],
          dense=Dense("dense", 9), loss="ce", head_dropout=0.2),
    Model("DropoutAttn", 119, T=4, B=3, inp=Embedding("embedding", 9, 5),
          rec=[Rec("lstm", "lstm", 11, 1)], dense=Dense("dense", 9), loss="ce",
          attn=Attn("attention", 7, 6, 10, [6, 2, 4]), head_dropout=0.4),
    Model("DropoutLast", 120, T=5, B=3, inp=Features(4),
          rec=[Rec("gru", "gru", 8, 1, input_dropout=0.3)], dense=Dense("dense", 3, "last"), loss="mse", head_dropout=0.5),
    Model("DropoutMean", 121, T=4, B=3, inp=Features(3),
          rec=[Rec("rnn", "rnn_tanh", 6, 2, dropout=0.35)], dense=Dense("dense", 2, "mean"), loss="mse", head_dropout=0.3),
    # LSTM variants: peephole connections (two stacked layers), coupled input-forget gates, and both.
    Model("LstmPeephole", 122, T=5, B=3, inp=Features(4),
          rec=[Rec("lstm", "lstm_peephole", 12, 2)], dense=Dense("dense", 3), loss="mse"),
    Model("LstmCoupled", 123, T=4, B=2, inp=Embedding("embedding", 9, 6),
          rec=[Rec("lstm", "lstm_coupled", 10, 1), Rec("both", "lstm_peephole_coupled", 17, 1)],
          dense=Dense("dense", 9), loss="ce"),
    # GRU with the reset gate applied before the hidden product (Cho et al. 2014), stacked, over a
    # PyTorch GRU.
    Model("GruResetBefore", 124, T=5, B=3, inp=Embedding("embedding", 9, 6),
          rec=[Rec("gru", "gru_reset_before", 13, 2), Rec("top", "gru", 7, 1)],
          dense=Dense("dense", 9), loss="ce"),
    # MUT1-3 (Jozefowicz et al. 2015), stacked; MUT1 and MUT2 add x itself, so their input is as wide
    # as their state. Mut1Features's first layer reads the model's float input element-wise.
    Model("Mut", 125, T=5, B=3, inp=Embedding("embedding", 9, 8),
          rec=[Rec("mut1", "mut1", 8, 1), Rec("mut2", "mut2", 8, 1), Rec("mut3", "mut3", 11, 2)],
          dense=Dense("dense", 9), loss="ce"),
    Model("Mut1Features", 126, T=4, B=2, inp=Features(6),
          rec=[Rec("mut", "mut1", 6, 2)], dense=Dense("dense", 3), loss="mse"),
    # Cells written in C# ([RecurrentCell], tests/RnnGen.Models.Tests/UserCells.cs), each written
    # here as the same step function: the minimal gated unit, stacked; a cell of every construct
    # (two states, a vector, every function) under an MGU layer.
    # PyTorch's LSTM with proj_size (nn.LSTM itself), stacked, and projection with peepholes.
    Model("LstmProj", 129, T=5, B=3, inp=Embedding("embedding", 9, 6),
          rec=[Rec("lstm", "lstm", 12, 2, proj=5)], dense=Dense("dense", 9), loss="ce"),
    Model("LstmPeepholeProj", 130, T=4, B=2, inp=Features(4),
          rec=[Rec("lstm", "lstm_peephole", 10, 1, proj=6)], dense=Dense("dense", 3), loss="mse"),
    # Initial states from a condition vector for a projected LSTM (h0 is P wide, c0 H wide).
    Model("CondProj", 131, T=4, B=3, inp=Embedding("embedding", 8, 5),
          rec=[Rec("lstm", "lstm", 12, 1, proj=5), Rec("gru", "gru", 7, 1)], dense=Dense("dense", 8), loss="ce", cond=4),
    Model("Mgu", 127, T=5, B=3, inp=Embedding("embedding", 9, 8),
          rec=[Rec("cell", "mgu", 12, 2)], dense=Dense("dense", 9), loss="ce"),
    Model("Kitchen", 128, T=4, B=2, inp=Features(5),
          rec=[Rec("kitchen", "kitchen", 10, 1), Rec("top", "mgu", 6, 1)], dense=Dense("dense", 3), loss="mse"),
]

# Models that also get a ragged fixture ({name}.ragged.safetensors): sequences of different
# lengths (given per model, one per batch entry; 0 allowed), random initial states, and random
# gradients of a downstream loss with respect to the final states (see make_ragged_fixture).
RAGGED = {
    "RnnRelu2": [5, 2],
    "Lstm1": [6, 3, 1],
    "Lstm3Mse": [2, 4],
    "Gru2": [5, 0, 3, 1],
    "Mixed": [1, 4],
    "LstmLast": [5, 1, 3],
    "GruMean": [2, 4, 0],
}

# Optimizer configurations: (name, torch.optim class name, hyper-parameters).
# The metadata string lists the full hyper-parameters, defaults included.
OPTIMIZERS = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("sgd_nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd_weight_decay", "SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("adam", "Adam", {"lr": 0.01}),
    ("adam_weight_decay", "Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("adagrad", "Adagrad", {"lr": 0.1}),
    ("adagrad_initial_accumulator", "Adagrad",
     {"lr": 0.1, "initial_accumulator_value": 0.5}),
]
OPTIMIZER_DEFAULTS = {
    "SGD": {"lr": None, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0},
    "Adam": {"lr": None, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0},
    "Adagrad": {"lr": None, "eps": 1e-10, "weight_decay": 0.0,
                "initial_accumulator_value": 0.0},
}
OPTIMIZER_PARAM_SIZE = 37
OPTIMIZER_STEPS = 5
OPTIMIZER_SEED = 2000

CLIP_SHAPES = [(5, 3), (7,), (2, 2, 2)]
CLIP_MAX_NORM = 1.0
CLIP_SEED = 3000

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO_ROOT, "tests", "Fixtures")

# ---------------------------------------------------------------------------
# safetensors writer / reader
# ---------------------------------------------------------------------------
DTYPES = {"F32": np.dtype("<f4"), "I64": np.dtype("<i8")}


def to_array(value, dtype):
    """Convert a torch tensor / numpy array to a contiguous little-endian array."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.array(value, dtype=DTYPES[dtype], order="C", copy=True)


def write_safetensors(path, tensors, metadata):
    """Write ``tensors`` (ordered name -> (dtype, array)) and ``metadata``."""
    header = OrderedDict()
    header["__metadata__"] = OrderedDict((str(k), str(v)) for k, v in metadata.items())
    blobs = []
    offset = 0
    for name, (dtype, array) in tensors.items():
        data = to_array(array, dtype).tobytes(order="C")
        header[name] = OrderedDict([
            ("dtype", dtype),
            ("shape", [int(d) for d in to_array(array, dtype).shape]),
            ("data_offsets", [offset, offset + len(data)]),
        ])
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    """Read a file written by ``write_safetensors``; returns (tensors, metadata).

    Checks the layout strictly: header length multiple of 8, known dtypes,
    offsets contiguous in header order and consistent with shape, and no
    trailing bytes after the last tensor.
    """
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0, "header length not a multiple of 8"
    header = json.loads(raw[8:8 + n].decode("utf-8"), object_pairs_hook=OrderedDict)
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    data = raw[8 + n:]
    tensors = OrderedDict()
    expected = 0
    for name, info in header.items():
        dtype = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        assert begin == expected, f"{name}: not contiguous"
        assert end - begin == int(np.prod(shape, dtype=np.int64)) * dtype.itemsize, name
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
        expected = end
    assert expected == len(data), "trailing bytes after the last tensor"
    return tensors, metadata


def write_and_check(path, tensors, metadata):
    """Write a file, read it back and compare every tensor bit for bit."""
    write_safetensors(path, tensors, metadata)
    back, back_meta = read_safetensors(path)
    assert list(back) == list(tensors), "tensor order changed"
    assert back_meta == {str(k): str(v) for k, v in metadata.items()}
    for name, (dtype, array) in tensors.items():
        a = to_array(array, dtype)
        assert back[name].dtype == a.dtype and back[name].shape == a.shape, name
        assert back[name].tobytes() == a.tobytes(), name
    return back, back_meta


# ---------------------------------------------------------------------------
# Dropout masks: RnnGen.DropoutMask, bit for bit (arithmetic modulo 2^64).
# ---------------------------------------------------------------------------
M64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix(z):
    """SplitMix64's finaliser."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def dropout_key(seed, pass_, site):
    return mix((mix((seed + pass_ * GAMMA) & M64) + (site + 1) * GAMMA) & M64)


def dropout_mask(spec, site, width, p):
    """The mask of a dropout site for seed 0, pass 0: [T, B, width] float32 values 0 or 1/(1 - p)."""
    key = dropout_key(0, 0, site)
    threshold = round(p * 2 ** 24)
    scale = np.float32(1.0 / (1.0 - p))
    n = spec.T * spec.B * width
    keep = [(mix((key + (i + 1) * GAMMA) & M64) >> 40) >= threshold for i in range(n)]
    return torch.tensor(np.where(keep, scale, np.float32(0)).astype(np.float32)).reshape(spec.T, spec.B, width)


def dropout_sites(spec):
    """(site, width, p) of every dropout site, in site order."""
    sites, stage = [], 0
    size = spec.inp.size if isinstance(spec.inp, Features) else spec.inp.dim
    for r in spec.rec:
        for k in range(r.layers):
            p = r.input_dropout if k == 0 else r.dropout
            if p > 0:
                sites.append((stage, size, p))
            size = r.proj or r.hidden
            stage += 1
    if spec.head_dropout > 0:
        sites.append((stage, size, spec.head_dropout))
    return sites


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------
class VariantLstm(nn.Module):
    """An LSTM variant written step by step, differentiated by autograd: the reference for RnnGen's
    cells derived from definitions.

    peepholes (Gers & Schmidhuber 2000): i = σ(W_i x + b_i + U_i h + b'_i + p_i ⊙ c_{t-1}),
    f likewise with p_f, o = σ(W_o x + b_o + U_o h + b'_o + p_o ⊙ c_t).
    coupled: no input gate; gates (f, g, o) and c_t = f ⊙ c_{t-1} + (1 - f) ⊙ g.
    Parameters per layer k, in state-dict order: weight_ih_l{k} [G·H, in], weight_hh_l{k} [G·H, H],
    bias_ih_l{k}, bias_hh_l{k} [G·H], then weight_peephole_l{k} ([3, H], rows i, f, o; [2, H], rows
    f, o, when coupled), all U(±1/√H) as nn.LSTM initialises.
    """

    def __init__(self, input_size, hidden, layers, peepholes, coupled, proj=0):
        super().__init__()
        self.hidden, self.layers, self.peepholes, self.coupled, self.proj = hidden, layers, peepholes, coupled, proj
        gates = 3 if coupled else 4
        bound = 1.0 / hidden ** 0.5
        out = proj or hidden
        for k in range(layers):
            size = input_size if k == 0 else out
            shapes = [("weight_ih", (gates * hidden, size)), ("weight_hh", (gates * hidden, out)),
                      ("bias_ih", (gates * hidden,)), ("bias_hh", (gates * hidden,))]
            if proj:
                shapes.append(("weight_hr", (proj, hidden)))
            if peepholes:
                shapes.append(("weight_peephole", (2 if coupled else 3, hidden)))
            for name, shape in shapes:
                self.register_parameter(f"{name}_l{k}", nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))

    def forward(self, x, state=None):
        assert state is None
        B, T = x.shape[0], x.shape[1]
        for k in range(self.layers):
            w_ih, w_hh = getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}")
            b_ih, b_hh = getattr(self, f"bias_ih_l{k}"), getattr(self, f"bias_hh_l{k}")
            p = getattr(self, f"weight_peephole_l{k}") if self.peepholes else None
            h = x.new_zeros(B, self.proj or self.hidden)
            c = x.new_zeros(B, self.hidden)
            outputs = []
            for t in range(T):
                a = (x[:, t] @ w_ih.T + b_ih) + (h @ w_hh.T + b_hh)
                if self.coupled:
                    a_f, a_g, a_o = a.chunk(3, dim=1)
                    p_f, p_o = (p[0], p[1]) if p is not None else (None, None)
                else:
                    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
                    p_i, p_f, p_o = (p[0], p[1], p[2]) if p is not None else (None, None, None)
                f = torch.sigmoid(a_f + p_f * c if p is not None else a_f)
                g = torch.tanh(a_g)
                if self.coupled:
                    c = f * c + (1 - f) * g
                else:
                    i = torch.sigmoid(a_i + p_i * c if p is not None else a_i)
                    c = f * c + i * g
                o = torch.sigmoid(a_o + p_o * c if p is not None else a_o)
                h = o * torch.tanh(c)
                if self.proj:
                    h = h @ getattr(self, f"weight_hr_l{k}").T
                outputs.append(h)
            x = torch.stack(outputs, dim=1)
        return x, None


class GruResetBefore(nn.Module):
    """GRU with the reset gate before the hidden product (Cho et al. 2014; Keras reset_after=False):
    n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn). Same parameters, names and order as nn.GRU."""

    def __init__(self, input_size, hidden, layers):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        bound = 1.0 / hidden ** 0.5
        for k in range(layers):
            size = input_size if k == 0 else hidden
            for name, shape in [("weight_ih", (3 * hidden, size)), ("weight_hh", (3 * hidden, hidden)),
                                ("bias_ih", (3 * hidden,)), ("bias_hh", (3 * hidden,))]:
                self.register_parameter(f"{name}_l{k}", nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))

    def forward(self, x, state=None):
        assert state is None
        B, T, H = x.shape[0], x.shape[1], self.hidden
        for k in range(self.layers):
            w_ih, w_hh = getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}")
            b_ih, b_hh = getattr(self, f"bias_ih_l{k}"), getattr(self, f"bias_hh_l{k}")
            h = x.new_zeros(B, H)
            outputs = []
            for t in range(T):
                xi = x[:, t] @ w_ih.T + b_ih
                r = torch.sigmoid(xi[:, :H] + h @ w_hh[:H].T + b_hh[:H])
                z = torch.sigmoid(xi[:, H:2 * H] + h @ w_hh[H:2 * H].T + b_hh[H:2 * H])
                n = torch.tanh(xi[:, 2 * H:] + (r * h) @ w_hh[2 * H:].T + b_hh[2 * H:])
                h = (1 - z) * n + z * h
                outputs.append(h)
            x = torch.stack(outputs, dim=1)
        return x, None


class Mut(nn.Module):
    """MUT1, MUT2 or MUT3 of Jozefowicz et al. (2015), the equations as printed:
    MUT1: z = σ(W_xz x + b_z); r = σ(W_xr x + W_hr h + b_r); h' = tanh(W_hh (r ⊙ h) + tanh(x) + b_h) ⊙ z + h ⊙ (1 - z)
    MUT2: z = σ(W_xz x + W_hz h + b_z); r = σ(x + W_hr h + b_r); h' = tanh(W_hh (r ⊙ h) + W_xh x + b_h) ⊙ z + h ⊙ (1 - z)
    MUT3: z = σ(W_xz x + W_hz tanh(h) + b_z); r = σ(W_xr x + W_hr h + b_r); h' = tanh(W_hh (r ⊙ h) + W_xh x + b_h) ⊙ z + h ⊙ (1 - z)
    Parameters per layer k, in RnnGen's order: the matrices the variant uses (x's, then h's, then
    weight_hh), then bias_z, bias_r, bias_h."""

    MATRICES = {1: ["xz", "xr", "hr", "hh"], 2: ["xz", "xh", "hz", "hr", "hh"], 3: ["xz", "xr", "xh", "hz", "hr", "hh"]}

    def __init__(self, input_size, hidden, layers, variant):
        super().__init__()
        self.hidden, self.layers, self.variant = hidden, layers, variant
        bound = 1.0 / hidden ** 0.5
        for k in range(layers):
            size = input_size if k == 0 else hidden
            for m in self.MATRICES[variant]:
                shape = (hidden, size if m[0] == "x" else hidden)
                self.register_parameter(f"weight_{m}_l{k}", nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))
            for b in ("z", "r", "h"):
                self.register_parameter(f"bias_{b}_l{k}", nn.Parameter(torch.empty(hidden).uniform_(-bound, bound)))

    def forward(self, x, state=None):
        assert state is None
        B, T = x.shape[0], x.shape[1]
        for k in range(self.layers):
            W = lambda m: getattr(self, f"weight_{m}_l{k}")
            b = lambda n: getattr(self, f"bias_{n}_l{k}")
            h = x.new_zeros(B, self.hidden)
            outputs = []
            for t in range(T):
                xt = x[:, t]
                if self.variant == 1:
                    z = torch.sigmoid(xt @ W("xz").T + b("z"))
                    r = torch.sigmoid(xt @ W("xr").T + h @ W("hr").T + b("r"))
                    n = torch.tanh((r * h) @ W("hh").T + torch.tanh(xt) + b("h"))
                elif self.variant == 2:
                    z = torch.sigmoid(xt @ W("xz").T + h @ W("hz").T + b("z"))
                    r = torch.sigmoid(xt + h @ W("hr").T + b("r"))
                    n = torch.tanh((r * h) @ W("hh").T + xt @ W("xh").T + b("h"))
                else:
                    z = torch.sigmoid(xt @ W("xz").T + torch.tanh(h) @ W("hz").T + b("z"))
                    r = torch.sigmoid(xt @ W("xr").T + h @ W("hr").T + b("r"))
                    n = torch.tanh((r * h) @ W("hh").T + xt @ W("xh").T + b("h"))
                h = n * z + h * (1 - z)
                outputs.append(h)
            x = torch.stack(outputs, dim=1)
        return x, None


def mgu_step(x, s, W, b):
    """MinimalGatedUnit.Step (Zhou et al. 2016)."""
    (h,) = s
    L = lambda n, v: v @ W(n).T
    f = torch.sigmoid(L("wf", x) + L("uf", h) + b("f"))
    n = torch.tanh(L("wn", x) + L("un", f * h) + b("n"))
    return [(1 - f) * h + f * n]


def kitchen_step(x, s, W, b):
    """KitchenCell.Step: two states, a per-unit vector, every CellMath function."""
    h, m = s
    L = lambda n, v: v @ W(n).T
    a = torch.sigmoid(L("xa", x) + L("ha", h) + b("a"))
    e = F.softsign(L("xe", x) - W("decay") * m)
    g = F.hardsigmoid(L("me", m) + b("g"))
    m = a * m + (1 - a) * e / 2
    q = torch.exp(-torch.relu(L("mq", m) + 1) + torch.relu(L("mq", m) - 1) + b("q") * 0.5)
    h = g * torch.tanh(m) + 0.1 * q
    h = h - 0.05 * -h
    return [h, m]


# Per user cell: its parameters in RnnGen's order ("x": [H, input], "h": [H, H], None: [H]), its
# number of states and its step.
USER_CELLS = {
    "mgu": ([("weight_wf", "x"), ("weight_wn", "x"), ("weight_uf", "h"), ("weight_un", "h"),
             ("bias_f", None), ("bias_n", None)], 1, mgu_step),
    "kitchen": ([("weight_xa", "x"), ("weight_xe", "x"), ("weight_ha", "h"), ("weight_me", "h"),
                 ("weight_mq", "h"), ("weight_decay", None), ("bias_a", None), ("bias_g", None),
                 ("bias_q", None)], 2, kitchen_step),
}


class UserCell(nn.Module):
    """A cell written as a step function over [B, H] tensors, unrolled with autograd."""

    def __init__(self, input_size, hidden, layers, kind):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        params, self.states, self.step = USER_CELLS[kind]
        bound = 1.0 / hidden ** 0.5
        for k in range(layers):
            size = input_size if k == 0 else hidden
            for name, columns in params:
                shape = (hidden, size if columns == "x" else hidden) if columns else (hidden,)
                self.register_parameter(f"{name}_l{k}", nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))

    def forward(self, x, state=None):
        assert state is None
        B, T = x.shape[0], x.shape[1]
        for k in range(self.layers):
            W = lambda n: getattr(self, f"weight_{n}_l{k}")
            b = lambda n: getattr(self, f"bias_{n}_l{k}")
            s = [x.new_zeros(B, self.hidden) for _ in range(self.states)]
            outputs = []
            for t in range(T):
                s = self.step(x[:, t], s, W, b)
                outputs.append(s[0])
            x = torch.stack(outputs, dim=1)
        return x, None


class Stack(nn.Module):
    """Input layer -> recurrent layers -> per-time-step Linear.

    Sub-modules are registered under their layer names, so the state_dict
    keys are exactly ``{layer name}.{PyTorch parameter name}``.
    """

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        size = spec.inp.size if isinstance(spec.inp, Features) else spec.inp.dim
        if isinstance(spec.inp, Embedding):
            self.add_module(spec.inp.name, nn.Embedding(spec.inp.vocab, spec.inp.dim))
        for r in spec.rec:
            if r.kind in ("rnn_tanh", "rnn_relu"):
                m = nn.RNN(size, r.hidden, num_layers=r.layers, batch_first=True,
                           nonlinearity=r.kind[4:])
            elif r.kind == "lstm":
                m = nn.LSTM(size, r.hidden, num_layers=r.layers, batch_first=True, proj_size=r.proj)
            elif r.kind == "gru":
                m = nn.GRU(size, r.hidden, num_layers=r.layers, batch_first=True)
            elif r.kind.startswith("mut"):
                m = Mut(size, r.hidden, r.layers, int(r.kind[3]))
            elif r.kind == "gru_reset_before":
                m = GruResetBefore(size, r.hidden, r.layers)
            elif r.kind in USER_CELLS:
                m = UserCell(size, r.hidden, r.layers, r.kind)
            elif r.kind.startswith("lstm_"):
                m = VariantLstm(size, r.hidden, r.layers, "peephole" in r.kind, "coupled" in r.kind, r.proj)
            else:
                raise ValueError(r.kind)
            self.add_module(r.name, m)
            size = r.proj or r.hidden
        if spec.attn:
            attention = nn.Module()
            attention.add_module("query", nn.Linear(size, spec.attn.units, bias=False))
            attention.add_module("key", nn.Linear(spec.attn.memory_size, spec.attn.units))
            attention.add_module("score", nn.Linear(spec.attn.units, 1, bias=False))
            self.add_module(spec.attn.name, attention)
            size += spec.attn.memory_size
        self.add_module(spec.dense.name, nn.Linear(size, spec.dense.out))
        if spec.cond:
            # The condition projections, registered last, per flattened layer l:
            # weight_h_l{l}, bias_h_l{l} (and weight_c_l{l}, bias_c_l{l} for LSTMs), as nn.Linear(F, H).
            condition = nn.Module()
            widths = [(r.proj or r.hidden, r.hidden) for r in spec.rec for _ in range(r.layers)]
            for l, (kind, hidden) in enumerate(stages_of(spec)):
                names = ["h", "c"] if kind == "lstm" else ["h"]
                for n in names:
                    linear = nn.Linear(spec.cond, widths[l][0] if n == "h" else widths[l][1])
                    condition.register_parameter(f"weight_{n}_l{l}", linear.weight)
                    condition.register_parameter(f"bias_{n}_l{l}", linear.bias)
            self.add_module("condition", condition)

    def initial_states(self, cond):
        """Per rec attribute: None (zero state) or the (h0, c0) / h0 computed from cond [B, F]."""
        if cond is None:
            return [None] * len(self.spec.rec)
        c = self.condition
        result, l = [], 0
        for r in self.spec.rec:
            hs, cs = [], []
            for _ in range(r.layers):
                hs.append(torch.tanh(F.linear(cond, getattr(c, f"weight_h_l{l}"), getattr(c, f"bias_h_l{l}"))))
                if r.kind == "lstm":
                    cs.append(F.linear(cond, getattr(c, f"weight_c_l{l}"), getattr(c, f"bias_c_l{l}")))
                l += 1
            h0 = torch.stack(hs)  # [layers, B, H]
            result.append((h0, torch.stack(cs)) if r.kind == "lstm" else h0)
        return result

    def attend(self, s, memory, lengths):
        """Additive attention of s [B, T, H] over memory [B, Tm, Hm]; returns ([s ; c], alpha)."""
        a = getattr(self, self.spec.attn.name)
        u = torch.tanh(a.query(s).unsqueeze(2) + a.key(memory).unsqueeze(1))  # [B, T, Tm, A]
        e = a.score(u).squeeze(-1)  # [B, T, Tm]
        steps = torch.arange(memory.shape[1])
        e = e.masked_fill(steps[None, None, :] >= lengths[:, None, None], float("-inf"))
        alpha = torch.softmax(e, dim=-1)
        return torch.cat([s, alpha @ memory], dim=-1), alpha

    def drop(self, x, site):
        """x [B, T, width] times the mask of a dropout site (as a batch-first tensor of x's dtype)."""
        masks = {s: (w, p) for s, w, p in dropout_sites(self.spec)}
        if site not in masks:
            return x
        width, p = masks[site]
        return x * dropout_mask(self.spec, site, width, p).transpose(0, 1).to(x.dtype)

    def run_layer(self, r, k, x):
        """Layer k of a stacked recurrent module on its own, from a zero state (functional form)."""
        m = getattr(self, r.name)
        params = [getattr(m, f"{n}_l{k}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        h0 = torch.zeros(1, x.shape[0], r.hidden, dtype=x.dtype)
        if r.kind == "lstm":
            return torch._VF.lstm(x, (h0, h0), params, True, 1, 0.0, False, False, True)[0]
        run = {"gru": torch._VF.gru, "rnn_tanh": torch._VF.rnn_tanh, "rnn_relu": torch._VF.rnn_relu}[r.kind]
        return run(x, h0, params, True, 1, 0.0, False, False, True)[0]

    def forward(self, x, trace=None, cond=None, memory=None):
        if isinstance(self.spec.inp, Embedding):
            x = getattr(self, self.spec.inp.name)(x)
        stage = 0
        for r, state in zip(self.spec.rec, self.initial_states(cond)):
            x = self.drop(x, stage)
            if r.dropout > 0:
                assert state is None
                for k in range(r.layers):
                    x = self.run_layer(r, k, self.drop(x, stage + k) if k > 0 else x)
            else:
                x, _ = getattr(self, r.name)(x, state)  # zero initial state when None
            stage += r.layers
            if trace is not None:
                trace[r.name] = x.detach()
        x = self.drop(x, stage)
        if self.spec.attn:
            x, alpha = self.attend(x, memory, torch.tensor(self.spec.attn.memory_lengths))
            if trace is not None:
                trace["alpha"] = alpha.detach()
        if self.spec.dense.readout == "last":
            x = x[:, -1]
        elif self.spec.dense.readout == "mean":
            x = x.mean(dim=1)
        return getattr(self, self.spec.dense.name)(x)

    def forward_one(self, x, states):
        """One sequence x ([1, L, ...], L >= 0) from the given initial states.

        ``states`` is a list, one entry per flattened recurrent layer (stage), of (h0, c0) with
        h0, c0 of shape [H] (c0 None for non-LSTM). Returns (top-layer outputs [L, H_top],
        final states as a list of (h, c) per stage). A sequence of length 0 ends in its
        initial state.
        """
        stage = 0
        finals = []
        if x.shape[1] > 0 and isinstance(self.spec.inp, Embedding):
            x = getattr(self, self.spec.inp.name)(x)
        for r in self.spec.rec:
            group = states[stage:stage + r.layers]
            h0 = torch.stack([h for h, _ in group]).unsqueeze(1)  # [layers, 1, H]
            if x.shape[1] == 0:
                finals.extend(group)
                x = torch.zeros((1, 0, r.hidden), dtype=torch.float64)
            elif r.kind == "lstm":
                c0 = torch.stack([c for _, c in group]).unsqueeze(1)
                x, (hn, cn) = getattr(self, r.name)(x, (h0, c0))
                finals.extend((hn[k, 0], cn[k, 0]) for k in range(r.layers))
            else:
                x, hn = getattr(self, r.name)(x, h0)
                finals.extend((hn[k, 0], None) for k in range(r.layers))
            stage += r.layers
        return x[0], finals


def loss_fn(spec, output, target):
    if spec.loss == "ce":
        return F.cross_entropy(output.reshape(-1, spec.dense.out), target.reshape(-1))
    if spec.loss == "mse":
        return F.mse_loss(output, target)
    raise ValueError(spec.loss)


def stages_of(spec):
    """(kind, hidden) of every flattened recurrent layer, in order."""
    return [(r.kind, r.hidden) for r in spec.rec for _ in range(r.layers)]


def describe(spec):
    if isinstance(spec.inp, Embedding):
        parts = [f"Embedding '{spec.inp.name}' V={spec.inp.vocab} D={spec.inp.dim}"]
    else:
        parts = [f"float features F={spec.inp.size}"]
    names = {"rnn_tanh": "RNN(tanh)", "rnn_relu": "RNN(relu)", "lstm": "LSTM", "gru": "GRU",
             "lstm_peephole": "LSTM(peepholes)", "lstm_coupled": "LSTM(coupled gates)",
             "lstm_peephole_coupled": "LSTM(peepholes, coupled gates)", "gru_reset_before": "GRU(reset before)",
             "mut1": "MUT1", "mut2": "MUT2", "mut3": "MUT3", "mgu": "MinimalGatedUnit (C#)",
             "kitchen": "KitchenCell (C#)"}
    for r in spec.rec:
        parts.append(f"{names[r.kind]} '{r.name}' hidden={r.hidden}" + (f" proj={r.proj}" if r.proj else "") + f" layers={r.layers}")
    readout = {"every": "", "last": " on the last step", "mean": " on the mean over the steps"}
    parts.append(f"Linear '{spec.dense.name}' O={spec.dense.out}{readout[spec.dense.readout]}")
    if spec.attn:
        parts.insert(-1, f"additive attention '{spec.attn.name}' over a memory Tm={spec.attn.memory_length} "
                     f"Hm={spec.attn.memory_size} (lengths {spec.attn.memory_lengths}), A={spec.attn.units}; the head reads [s ; c]")
    for site, width, p in dropout_sites(spec):
        parts.append(f"dropout p={p} at site {site} (width {width})")
    if spec.cond:
        parts.append(f"initial states from a condition vector F={spec.cond} (h0 = tanh(W_h c + b_h), c0 = W_c c + b_c)")
    over = "B*T" if spec.dense.readout == "every" else "B"
    loss = f"cross entropy (mean over {over})" if spec.loss == "ce" else "MSE (mean)"
    return (" -> ".join(parts) + f"; {loss}; B={spec.B} T={spec.T}; batch_first, "
            "zero initial state; output/loss/grads computed in float64 from the "
            "float32 parameters, stored as F32")


def make_data(spec):
    g = torch.Generator().manual_seed(spec.seed + 1000)
    if isinstance(spec.inp, Embedding):
        x = torch.randint(0, spec.inp.vocab, (spec.B, spec.T), generator=g, dtype=torch.int64)
    else:
        x = torch.randn(spec.B, spec.T, spec.inp.size, generator=g, dtype=torch.float32)
    rows = (spec.B,) if spec.dense.readout != "every" else (spec.B, spec.T)
    if spec.loss == "ce":
        y = torch.randint(0, spec.dense.out, rows, generator=g, dtype=torch.int64)
    else:
        y = torch.randn(*rows, spec.dense.out, generator=g, dtype=torch.float32)
    if spec.cond:
        return x, y, torch.randn(spec.B, spec.cond, generator=g, dtype=torch.float32)
    if spec.attn:
        return x, y, torch.randn(spec.B, spec.attn.memory_length, spec.attn.memory_size, generator=g, dtype=torch.float32)
    return x, y


# Models whose bare state_dict is also written (see make_model_fixture).
STATE_DICT_MODELS = {"Mixed"}


def make_model_fixture(spec):
    torch.manual_seed(spec.seed)
    model = Stack(spec)  # PyTorch default initialisation, float32
    params32 = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    data = make_data(spec)
    x, y = data[0], data[1]
    cond = data[2] if spec.cond else None
    memory = data[2] if spec.attn else None

    # Float32 forward, only used as a sanity check of the float64 reference.
    with torch.no_grad():
        out32 = model(x, cond=cond, memory=memory)

    model = model.double()  # exact widening of the float32 values
    x64 = x if x.dtype == torch.int64 else x.double()
    y64 = y if y.dtype == torch.int64 else y.double()
    cond64 = cond.double().requires_grad_() if cond is not None else None
    memory64 = memory.double().requires_grad_() if memory is not None else None
    model.zero_grad()
    trace = {}
    output = model(x64, trace, cond64, memory64)
    loss = loss_fn(spec, output, y64)
    loss.backward()
    named = OrderedDict(model.named_parameters())
    assert list(named) == list(params32), "parameter order differs from state_dict"

    # Sanity checks.
    assert torch.allclose(out32.double(), output.detach(), rtol=1e-4, atol=1e-5)
    for r in spec.rec:
        if r.kind == "rnn_relu":
            frac = (trace[r.name] > 0).double().mean().item()
            assert frac > 0.2, f"{spec.name}: ReLU layer '{r.name}' mostly dead ({frac:.2f})"
            for k in range(r.layers):
                for p in ("weight_ih", "weight_hh"):
                    g = named[f"{r.name}.{p}_l{k}"].grad
                    assert g.abs().max() > 0, f"{spec.name}: zero gradient {p}_l{k}"
    for k, p in named.items():
        assert p.grad is not None and torch.isfinite(p.grad).all(), k

    tensors = OrderedDict()
    for k, v in params32.items():
        tensors[f"param.{k}"] = ("F32", v)
    tensors["input"] = ("I64", x) if x.dtype == torch.int64 else ("F32", x)
    tensors["target"] = ("I64", y) if y.dtype == torch.int64 else ("F32", y)
    if cond is not None:
        tensors["condition"] = ("F32", cond)
    if memory is not None:
        tensors["memory"] = ("F32", memory)
        tensors["memory_lengths"] = ("I64", torch.tensor(spec.attn.memory_lengths, dtype=torch.int64))
    tensors["output"] = ("F32", output.detach())
    tensors["loss"] = ("F32", loss.detach())
    for k, p in named.items():
        tensors[f"grad.{k}"] = ("F32", p.grad)
    if cond is not None:
        tensors["dcondition"] = ("F32", cond64.grad)
    if memory is not None:
        tensors["dmemory"] = ("F32", memory64.grad)
        tensors["alpha"] = ("F32", trace["alpha"])
    for site, width, p in dropout_sites(spec):
        tensors[f"dropout.mask{site}"] = ("F32", dropout_mask(spec, site, width, p))
        tensors[f"dropout.threshold{site}"] = ("I64", torch.tensor(round(p * 2 ** 24), dtype=torch.int64))
        tensors[f"dropout.scale{site}"] = ("F32", torch.tensor(np.float32(1.0 / (1.0 - p))))
    metadata = OrderedDict([("model", spec.name), ("description", describe(spec))])

    path = os.path.join(OUT_DIR, f"{spec.name}.safetensors")
    back, _ = write_and_check(path, tensors, metadata)

    # For one model, also the bare state_dict exactly as PyTorch names it (what
    # safetensors.torch.save_file(model.state_dict(), ...) writes), to prove a generated model
    # loads a PyTorch module's weights with no renaming.
    if spec.name in STATE_DICT_MODELS:
        state = OrderedDict((k, ("F32", v)) for k, v in params32.items())
        write_and_check(os.path.join(OUT_DIR, f"{spec.name}.state_dict.safetensors"), state,
                        OrderedDict([("format", "pt")]))

    # Re-derive the loss from the stored output/target (float32 round trip).
    out = back["output"].astype(np.float64)
    if spec.loss == "ce":
        z = out.reshape(-1, spec.dense.out)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        ref = -logp[np.arange(z.shape[0]), back["target"].reshape(-1)].mean()
    else:
        ref = ((out - back["target"].astype(np.float64)) ** 2).mean()
    assert abs(ref - float(back["loss"])) <= 1e-5 * max(1.0, abs(ref)), (ref, back["loss"])
    return path, float(back["loss"])


# ---------------------------------------------------------------------------
# PyTorch state_dict files (torch.save), read by RnnGen.PyTorchStateDict without Python.
# ---------------------------------------------------------------------------
PT_MODEL = "Mixed"


def torch_save(obj, path, **kwargs):
    """torch.save, then check that torch itself reads the file back to the same tensors."""
    torch.save(obj, path, **kwargs)
    return path


def make_pt_fixtures():
    """Files torch.save writes, for RnnGen's restricted state_dict reader.

    * {PT_MODEL}.state_dict.pt: the module's own state_dict() (an OrderedDict with _metadata),
      the same float32 values as {PT_MODEL}.state_dict.safetensors.
    * {PT_MODEL}.state_dict.{f16,bf16,f64}.pt: the module converted to float16, bfloat16 and
      float64 (the float64 values carry digits float32 lacks); pt-expected.safetensors holds what
      torch's .float() makes of each tensor, which loading into a float32 model must give.
    * views.pt: tensors that view their storage with an offset, strides (transposed, sliced,
      expanded with stride 0), a storage shared by two tensors, a 0-d and an empty tensor, half
      precision, and an nn.Parameter; pt-expected.safetensors holds each as a contiguous float32
      tensor ("view.{name}").
    * Files the reader must refuse: a whole pickled module (model.pt), a training checkpoint
      dict around the state_dict (checkpoint.pt), an int64 tensor (int64.pt), and the format from
      before PyTorch 1.6 (legacy.pt, whose storage keys torch draws anew on every run).
    """
    spec = next(m for m in MODELS if m.name == PT_MODEL)
    torch.manual_seed(spec.seed)
    model = Stack(spec)
    written = []
    base = os.path.join(OUT_DIR, f"{PT_MODEL}.state_dict")
    written.append(torch_save(model.state_dict(), base + ".pt"))

    expected = OrderedDict()
    for suffix, dtype in (("f16", torch.float16), ("bf16", torch.bfloat16), ("f64", torch.float64)):
        converted = Stack(spec)
        converted.load_state_dict(model.state_dict())
        converted = converted.to(dtype)
        if dtype == torch.float64:
            with torch.no_grad():
                for i, p in enumerate(converted.parameters()):
                    p.add_(torch.full_like(p, 1e-10 * (i + 1)))
        state = converted.state_dict()
        written.append(torch_save(state, f"{base}.{suffix}.pt"))
        for name, value in state.items():
            expected[f"{suffix}.{name}"] = ("F32", value.float().contiguous())

    g = torch.Generator().manual_seed(2024)
    big = torch.randn(6, 7, generator=g)
    flat = torch.randn(40, generator=g)
    views = OrderedDict()
    views["transposed"] = big.t()
    views["sliced"] = big[1:5, 2:6:2]
    views["shared_a"] = flat[3:15].view(3, 4)
    views["shared_b"] = flat[10:34].view(2, 3, 4).transpose(0, 2)
    views["expanded"] = torch.randn(3, 1, generator=g).expand(3, 4)
    views["scalar"] = torch.tensor(2.5)
    views["empty"] = torch.zeros(0, 3)
    views["half_t"] = torch.randn(4, 5, generator=g).half().t()
    views["param"] = nn.Parameter(torch.randn(2, 2, generator=g))
    written.append(torch_save(views, os.path.join(OUT_DIR, "views.pt")))
    for name, value in views.items():
        expected[f"view.{name}"] = ("F32", value.detach().float().contiguous())
    path = os.path.join(OUT_DIR, "pt-expected.safetensors")
    write_and_check(path, expected, OrderedDict([("model", PT_MODEL)]))
    written.append(path)

    written.append(torch_save(model, os.path.join(OUT_DIR, "model.pt")))
    written.append(torch_save({"model": model.state_dict(), "epoch": 3}, os.path.join(OUT_DIR, "checkpoint.pt")))
    written.append(torch_save(OrderedDict([("steps", torch.arange(3))]), os.path.join(OUT_DIR, "int64.pt")))
    written.append(torch_save(model.state_dict(), os.path.join(OUT_DIR, "legacy.pt"), _use_new_zipfile_serialization=False))

    # torch reads its own files back to the same values.
    for suffix in ("", ".f16", ".bf16", ".f64"):
        back = torch.load(f"{base}{suffix}.pt")
        for name, value in back.items():
            key = f"{suffix[1:]}.{name}" if suffix else None
            if key:
                assert torch.equal(value.float(), expected[key][1]), key
    return written


def check_loop_matches_batched(spec):
    """The per-sequence loop of make_ragged_fixture, at full length from zero states, reproduces the
    batched module's outputs: the loop is a faithful reference."""
    torch.manual_seed(spec.seed)
    model = Stack(spec).double()
    x = make_data(spec)[0]
    x = x if x.dtype == torch.int64 else x.double()
    with torch.no_grad():
        batched = model(x)
        head = getattr(model, spec.dense.name)
        for b in range(spec.B):
            states = [(torch.zeros(h, dtype=torch.float64), torch.zeros(h, dtype=torch.float64) if k == "lstm" else None)
                      for k, h in stages_of(spec)]
            top, finals = model.forward_one(x[b:b + 1], states)
            if spec.dense.readout == "last":
                top = finals[-1][0].unsqueeze(0)
            elif spec.dense.readout == "mean":
                top = top.mean(dim=0, keepdim=True)
            assert torch.allclose(head(top), batched[b], rtol=1e-12, atol=1e-12), spec.name


def make_ragged_fixture(spec, lengths):
    """Sequences of different lengths, initial states, and final-state gradients.

    The same parameters and data as the model's main fixture, with:

    * ``lengths`` (I64 [B]): the real steps of each sequence. The inputs and targets at padding
      positions hold values a model must never read (token id -1, class -100, NaN features and
      targets).
    * ``h0.{s}`` / ``c0.{s}`` (F32 [B, H]) for every flattened recurrent layer s (c0 for LSTMs):
      the initial state of each sequence, drawn from N(0, 0.5²).
    * ``dhT.{s}`` / ``dcT.{s}``: the gradient of a downstream loss with respect to each final
      state, drawn from N(0, 0.3²); the reference adds sum(final · grad) to the loss before
      backpropagating, which is what injecting these gradients computes.

    References: ``output`` (zero at padding; [B, O] for a many-to-one readout), ``loss`` (the
    model's own loss: mean over the real steps, or over the sequences with at least one step for a
    many-to-one readout), ``grad.{name}``, ``dh0.{s}`` / ``dc0.{s}`` (d total / d initial state) and
    ``hT.{s}`` / ``cT.{s}`` (the state after each sequence's last real step).
    """
    torch.manual_seed(spec.seed)
    model = Stack(spec)
    params32 = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    x, y = make_data(spec)[:2]
    g = torch.Generator().manual_seed(spec.seed + 2000)
    stages = stages_of(spec)
    h0 = [0.5 * torch.randn(spec.B, h, generator=g) for _, h in stages]
    c0 = [0.5 * torch.randn(spec.B, h, generator=g) if k == "lstm" else None for k, h in stages]
    dhT = [0.3 * torch.randn(spec.B, h, generator=g) for _, h in stages]
    dcT = [0.3 * torch.randn(spec.B, h, generator=g) if k == "lstm" else None for k, h in stages]

    model = model.double()
    h0_64 = [t.double().requires_grad_() for t in h0]
    c0_64 = [t.double().requires_grad_() if t is not None else None for t in c0]
    model.zero_grad()
    many_to_one = spec.dense.readout != "every"
    head = getattr(model, spec.dense.name)
    out_rows = []
    loss_sum = 0
    real_rows = 0
    downstream = 0
    finals_all = []
    for b in range(spec.B):
        length = lengths[b]
        xb = x[b:b + 1, :length]
        xb = xb if xb.dtype == torch.int64 else xb.double()
        states = [(h0_64[s][b], c0_64[s][b] if c0_64[s] is not None else None) for s in range(len(stages))]
        top, finals = model.forward_one(xb, states)
        finals_all.append(finals)
        for s, (hT, cT) in enumerate(finals):
            downstream = downstream + (hT * dhT[s][b].double()).sum()
            if cT is not None:
                downstream = downstream + (cT * dcT[s][b].double()).sum()
        if many_to_one:
            if spec.dense.readout == "last":
                readout = finals[-1][0] if length > 0 else states[-1][0]
            else:
                readout = top.mean(dim=0) if length > 0 else top.new_zeros(stages[-1][1])
            out = head(readout.unsqueeze(0))  # [1, O]
            if length > 0:
                real_rows += 1
                if spec.loss == "ce":
                    loss_sum = loss_sum + F.cross_entropy(out, y[b:b + 1], reduction="sum")
                else:
                    loss_sum = loss_sum + ((out[0] - y[b].double()) ** 2).sum()
            out_rows.append(out[0])
        else:
            out = head(top)  # [L, O]
            real_rows += length
            if length > 0:
                if spec.loss == "ce":
                    loss_sum = loss_sum + F.cross_entropy(out, y[b, :length], reduction="sum")
                else:
                    loss_sum = loss_sum + ((out - y[b, :length].double()) ** 2).sum()
            padded = torch.zeros(spec.T, spec.dense.out, dtype=torch.float64)
            padded[:length] = out
            out_rows.append(padded)
    loss = loss_sum / (real_rows * (spec.dense.out if spec.loss == "mse" else 1))
    (loss + downstream).backward()
    output = torch.stack(out_rows)

    # Padding: values that must never be read.
    x_stored = x.clone()
    y_stored = y.clone()
    for b in range(spec.B):
        length = lengths[b]
        if x_stored.dtype == torch.int64:
            x_stored[b, length:] = -1
        else:
            x_stored[b, length:] = float("nan")
        if not many_to_one:
            y_stored[b, length:] = -100 if y_stored.dtype == torch.int64 else float("nan")
        elif length == 0:
            y_stored[b] = -100 if y_stored.dtype == torch.int64 else float("nan")

    named = OrderedDict(model.named_parameters())
    tensors = OrderedDict()
    for k, v in params32.items():
        tensors[f"param.{k}"] = ("F32", v)
    tensors["input"] = ("I64", x_stored) if x_stored.dtype == torch.int64 else ("F32", x_stored)
    tensors["target"] = ("I64", y_stored) if y_stored.dtype == torch.int64 else ("F32", y_stored)
    tensors["lengths"] = ("I64", torch.tensor(lengths, dtype=torch.int64))
    for s in range(len(stages)):
        tensors[f"h0.{s}"] = ("F32", h0[s])
        tensors[f"dhT.{s}"] = ("F32", dhT[s])
        if c0[s] is not None:
            tensors[f"c0.{s}"] = ("F32", c0[s])
            tensors[f"dcT.{s}"] = ("F32", dcT[s])
    tensors["output"] = ("F32", output.detach())
    tensors["loss"] = ("F32", loss.detach())
    for k, p in named.items():
        assert p.grad is not None and torch.isfinite(p.grad).all(), k
        tensors[f"grad.{k}"] = ("F32", p.grad)
    for s in range(len(stages)):
        tensors[f"dh0.{s}"] = ("F32", h0_64[s].grad)
        tensors[f"hT.{s}"] = ("F32", torch.stack([finals_all[b][s][0].detach() for b in range(spec.B)]))
        if c0[s] is not None:
            tensors[f"dc0.{s}"] = ("F32", c0_64[s].grad)
            tensors[f"cT.{s}"] = ("F32", torch.stack([finals_all[b][s][1].detach() for b in range(spec.B)]))
    metadata = OrderedDict([("model", spec.name), ("description", describe(spec) + f"; ragged: lengths {lengths}, "
                            "random initial states, final-state gradients added as sum(final * dT)")])
    path = os.path.join(OUT_DIR, f"{spec.name}.ragged.safetensors")
    write_and_check(path, tensors, metadata)

    assert any(length < spec.T for length in lengths), "a ragged fixture needs a short sequence"
    return path, float(loss)


# ---------------------------------------------------------------------------
# Optimizers and gradient clipping
# ---------------------------------------------------------------------------
def full_hyper(cls_name, hyper):
    full = OrderedDict()
    for k, default in OPTIMIZER_DEFAULTS[cls_name].items():
        full[k] = hyper.get(k, default)
    assert set(hyper) <= set(full), hyper
    return full


def make_optimizer_fixture():
    tensors = OrderedDict()
    metadata = OrderedDict()
    for index, (name, cls_name, hyper) in enumerate(OPTIMIZERS):
        full = full_hyper(cls_name, hyper)
        g = torch.Generator().manual_seed(OPTIMIZER_SEED + index)
        init = torch.randn(OPTIMIZER_PARAM_SIZE, generator=g, dtype=torch.float32)
        grads = [torch.randn(OPTIMIZER_PARAM_SIZE, generator=g, dtype=torch.float32)
                 for _ in range(OPTIMIZER_STEPS)]
        p = nn.Parameter(init.clone())
        kwargs = dict(full)
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        opt = getattr(torch.optim, cls_name)([p], **kwargs)
        tensors[f"{name}.param.init"] = ("F32", init)
        for k, grad in enumerate(grads):
            tensors[f"{name}.grad.{k}"] = ("F32", grad)
        for k, grad in enumerate(grads):
            p.grad = grad.clone()
            opt.step()
            tensors[f"{name}.param.{k}"] = ("F32", p.detach().clone())
        metadata[name] = json.dumps(full)

    g = torch.Generator().manual_seed(CLIP_SEED)
    grads = [torch.randn(*s, generator=g, dtype=torch.float32) for s in CLIP_SHAPES]
    params = [nn.Parameter(torch.zeros(*s)) for s in CLIP_SHAPES]
    for p, grad in zip(params, grads):
        p.grad = grad.clone()
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm=CLIP_MAX_NORM)
    assert norm.item() > CLIP_MAX_NORM, "clipping case does not clip"
    for i, grad in enumerate(grads):
        tensors[f"clip.grad.{i}"] = ("F32", grad)
    for i, p in enumerate(params):
        tensors[f"clip.clipped.{i}"] = ("F32", p.grad.detach().clone())
    tensors["clip.norm"] = ("F32", norm.detach())
    metadata["clip"] = json.dumps({"max_norm": CLIP_MAX_NORM})

    path = os.path.join(OUT_DIR, "optimizers.safetensors")
    write_and_check(path, tensors, metadata)
    return path


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    written = []
    for spec in MODELS:
        path, loss = make_model_fixture(spec)
        written.append(path)
        print(f"{spec.name:10s} loss={loss:.6f}")
        if spec.name in RAGGED:
            check_loop_matches_batched(spec)
            path, loss = make_ragged_fixture(spec, RAGGED[spec.name])
            written.append(path)
            print(f"{spec.name:10s} ragged loss={loss:.6f}")
    written.append(make_optimizer_fixture())
    written.extend(make_pt_fixtures())
    for path in written:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        print(f"{os.path.relpath(path, REPO_ROOT)}  {os.path.getsize(path):8d} bytes  {digest[:16]}")
    print(f"torch {torch.__version__}, numpy {np.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
