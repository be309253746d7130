#!/usr/bin/env python3
"""Times the rows of the performance table in PyTorch and in RnnGen in the same run and prints both
with their ratio.

PyTorch side: Debian's python3-torch (1.13), eager mode and TorchScript, best of the two per row.
Install OpenBLAS first or PyTorch uses the slow reference BLAS:

    sudo apt-get install python3-torch libopenblas0-pthread
    OPENBLAS_CORETYPE=SKYLAKEX /usr/bin/python3 bench/side_by_side.py

(OpenBLAS 0.3.21 misdetects recent AVX-512 CPUs unless OPENBLAS_CORETYPE is set; the script sets
it if it is missing.) RnnGen side: `dotnet build -c Release bench/RnnGen.Benchmarks`, then the built program's `table
--json`, the median of many batches per row. The machine is noisy: compare the ratios, which are
taken minutes apart on the same machine, rather than absolute numbers across runs.

With --cells it times instead one training step (forward, backward, clipping, Adam) of each cell
RnnGen generates, on a character task (65 tokens embedded in 128, one layer of 128, dense head,
T = 64, B = 32, one thread), against the same cell written as a loop over time steps in PyTorch
(the modules tests/fixtures-src/make_fixtures.py checks RnnGen against), and, for the cells PyTorch
has, its fused nn.LSTM / nn.GRU.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_CORETYPE", "SKYLAKEX")

import torch  # noqa: E402  (after the environment variable, which OpenBLAS reads at load time)
from torch import nn  # noqa: E402


def median_us(fn, seconds):
    """Median time of one call in microseconds, from batches of about a millisecond."""
    warm_end = time.perf_counter() + seconds / 4
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() < warm_end or calls < 3:
        fn()
        calls += 1
    per_call = (time.perf_counter() - start) / calls
    batch = max(1, min(1_000_000, int(1e-3 / per_call)))
    samples = []
    end = time.perf_counter() + seconds * 0.75
    while time.perf_counter() < end or len(samples) < 5:
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - t0) * 1e6 / batch)
    return statistics.median(samples)


class LstmStep(nn.Module):
    """One streaming step: LSTM cell + dense head, state carried by the caller."""

    def __init__(self, inputs, hidden, outputs):
        super().__init__()
        self.cell = nn.LSTMCell(inputs, hidden)
        self.dense = nn.Linear(hidden, outputs)

    def forward(self, x, h, c):
        h, c = self.cell(x, (h, c))
        return self.dense(h), h, c


class GruStep(nn.Module):
    """One streaming step: GRU cell + dense head, state carried by the caller."""

    def __init__(self, inputs, hidden, outputs):
        super().__init__()
        self.cell = nn.GRUCell(inputs, hidden)
        self.dense = nn.Linear(hidden, outputs)

    def forward(self, x, h, c):
        h = self.cell(x, h)
        return self.dense(h), h, c


class SequenceModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(64, 128)
        self.dense = nn.Linear(128, 64)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.dense(y)


class CharModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(65, 32)
        self.lstm = nn.LSTM(32, 128, num_layers=2)
        self.dense = nn.Linear(128, 65)

    def forward(self, tokens):
        y, _ = self.lstm(self.embedding(tokens))
        return self.dense(y)


def training_step_us(model, shape, seconds):
    """Median µs of one Adam step with clipping at 5 on random 65-token batches of the given shape."""
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    tokens = torch.randint(0, 65, shape)
    targets = torch.randint(0, 65, shape)
    loss_fn = nn.CrossEntropyLoss()

    def train():
        optimizer.zero_grad()
        loss = loss_fn(model(tokens).reshape(-1, 65), targets.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()

    return median_us(train, seconds * 2)


def best_of(eager, scripted, seconds):
    times = [median_us(eager, seconds)]
    if scripted is not None:
        times.append(median_us(scripted, seconds))
    return min(times)


def torch_rows(seconds, threads):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    rows = {}
    with torch.no_grad():
        for key, kind, inputs, hidden, outputs, streams in [
            ("step_lstm_64_128", "lstm", 64, 128, 64, 1),
            ("step_lstm_64_128_x64", "lstm", 64, 128, 64, 64),
            ("step_gru_64_128", "gru", 64, 128, 64, 1),
            ("step_lstm_1_40", "lstm", 1, 40, 1, 1),
        ]:
            model = (LstmStep if kind == "lstm" else GruStep)(inputs, hidden, outputs).eval()
            scripted = torch.jit.script(model)
            x = torch.randn(streams, inputs)
            h = torch.zeros(streams, hidden)
            c = torch.zeros(streams, hidden)
            rows[key] = best_of(lambda: model(x, h, c), lambda: scripted(x, h, c), seconds)

        model = SequenceModel().eval()
        scripted = torch.jit.script(model)
        for key, batch in [("forward_b1", 1), ("forward_b32", 32)]:
            x = torch.randn(64, batch, 64)
            rows[key] = best_of(lambda: model(x), lambda: scripted(x), seconds)

    # PyTorch at its best: on 2 vCPUs its intra-op threads and OpenBLAS's own threads can oversubscribe
    # the cores (2 threads measured 5× slower than 1 here), so both counts are timed and the faster kept.
    best = None
    for count in sorted({1, threads}):
        torch.set_num_threads(count)
        torch.manual_seed(0)
        us = training_step_us(CharModel(), (64, 32), seconds)
        print(f"PyTorch training with {count} thread(s): {us / 1000:.1f} ms per step", file=sys.stderr)
        best = us if best is None else min(best, us)

    rows["train_char"] = best
    return rows


class GruLoop(nn.Module):
    """nn.GRU's cell written as a loop over time steps (reset gate after the hidden product)."""

    def __init__(self, size, hidden):
        super().__init__()
        self.hidden = hidden
        self.ih = nn.Linear(size, 3 * hidden)
        self.hh = nn.Linear(hidden, 3 * hidden)

    def forward(self, x, state=None):
        h = x.new_zeros(x.shape[0], self.hidden)
        outputs = []
        for t in range(x.shape[1]):
            xi_r, xi_z, xi_n = self.ih(x[:, t]).chunk(3, dim=1)
            hh_r, hh_z, hh_n = self.hh(h).chunk(3, dim=1)
            r, z = torch.sigmoid(xi_r + hh_r), torch.sigmoid(xi_z + hh_z)
            n = torch.tanh(xi_n + r * hh_n)
            h = (1 - z) * n + z * h
            outputs.append(h)
        return torch.stack(outputs, dim=1), None


class CellTask(nn.Module):
    """Embedding 65×128 → one recurrent layer (batch first) → Linear 128→65."""

    def __init__(self, recurrent):
        super().__init__()
        self.embedding = nn.Embedding(65, 128)
        self.recurrent = recurrent
        self.dense = nn.Linear(128, 65)

    def forward(self, tokens):
        y, _ = self.recurrent(self.embedding(tokens))
        return self.dense(y)


def cell_rows(seconds, repo):
    """Per cell: (loop time, fused time or None) in µs per training step, one thread."""
    sys.path.insert(0, os.path.join(repo, "tests", "fixtures-src"))
    import make_fixtures as cells  # the step-by-step modules the fixtures check RnnGen against

    torch.set_num_threads(1)
    loops = {
        "train_cell_lstm": (lambda: cells.VariantLstm(128, 128, 1, False, False), lambda: nn.LSTM(128, 128, batch_first=True)),
        "train_cell_peephole": (lambda: cells.VariantLstm(128, 128, 1, True, False), None),
        "train_cell_coupled": (lambda: cells.VariantLstm(128, 128, 1, False, True), None),
        "train_cell_gru": (lambda: GruLoop(128, 128), lambda: nn.GRU(128, 128, batch_first=True)),
        "train_cell_gru_reset_before": (lambda: cells.GruResetBefore(128, 128, 1), None),
        "train_cell_mut1": (lambda: cells.Mut(128, 128, 1, 1), None),
        "train_cell_mut2": (lambda: cells.Mut(128, 128, 1, 2), None),
        "train_cell_mut3": (lambda: cells.Mut(128, 128, 1, 3), None),
        "train_cell_mgu": (lambda: cells.UserCell(128, 128, 1, "mgu"), None),
    }
    rows = {}
    for key, (loop, fused) in loops.items():
        times = []
        for make in (loop, fused):
            if make is None:
                times.append(None)
                continue
            torch.manual_seed(0)
            times.append(training_step_us(CellTask(make()), (32, 64), seconds))
        rows[key] = tuple(times)
        print(f"PyTorch {key}: loop {times[0] / 1000:.1f} ms" + (f", fused {times[1] / 1000:.1f} ms" if times[1] else ""), file=sys.stderr)
    return rows


CELL_LABELS = [
    ("train_cell_lstm", "LSTM"),
    ("train_cell_peephole", "peephole LSTM"),
    ("train_cell_coupled", "coupled-gate LSTM"),
    ("train_cell_gru", "GRU"),
    ("train_cell_gru_reset_before", "GRU, reset before the product"),
    ("train_cell_mut1", "MUT1"),
    ("train_cell_mut2", "MUT2"),
    ("train_cell_mut3", "MUT3"),
    ("train_cell_mgu", "MGU (a cell written in C#)"),
]


def rnngen_rows(seconds, repo, only=None):
    # Build first, then run the built program directly: `dotnet run` keeps its own process busy on one
    # core for a second or two after starting the program, which would share a core with the first
    # rows' threads (a step split between two threads then takes several times longer).
    project = os.path.join(repo, "bench", "RnnGen.Benchmarks")
    subprocess.run(["dotnet", "build", "-c", "Release", project], check=True, capture_output=True, text=True)
    program = os.path.join(project, "bin", "Release", "net10.0", "RnnGen.Benchmarks.dll")
    command = ["dotnet", program, "table", "--json", "--seconds", str(seconds)] + (["--only", ",".join(only)] if only else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("{"):
            entry = json.loads(line)
            rows[entry["key"]] = entry["us"]
    return rows


# (RnnGen row, label, PyTorch row). The 2-thread RnnGen rows split a batch-1 step between the cores;
# PyTorch's batch-1 kernels do not use a second thread at these sizes, so they face its best (1-thread) row.
LABELS = [
    ("step_lstm_64_128", "Step LSTM 64→128 + Dense 64, batch 1", "step_lstm_64_128"),
    ("step_lstm_64_128_2t", "  the same, RnnGen on 2 threads", "step_lstm_64_128"),
    ("step_lstm_64_128_x64", "Step LSTM 64→128 + Dense 64, 64 streams", "step_lstm_64_128_x64"),
    ("step_gru_64_128", "Step GRU 64→128 + Dense 64, batch 1", "step_gru_64_128"),
    ("step_gru_64_128_2t", "  the same, RnnGen on 2 threads", "step_gru_64_128"),
    ("step_lstm_1_40", "Step LSTM 1→40 + Dense 1, batch 1", "step_lstm_1_40"),
    ("forward_b1", "Forward LSTM 64→128, T=64, batch 1", "forward_b1"),
    ("forward_b1_2t", "  the same, RnnGen on 2 threads", "forward_b1"),
    ("forward_b32", "Forward LSTM 64→128, T=64, batch 32, 1 thread", "forward_b32"),
    ("train_char", "Train char model (2,048 tokens), best threads", "train_char"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.0, help="time budget per row and side (default 1)")
    parser.add_argument("--threads", type=int, default=2, help="threads for the training row (default 2)")
    parser.add_argument("--cells", action="store_true", help="time a training step of every cell instead (see above)")
    args = parser.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    if args.cells:
        ours = rnngen_rows(args.seconds, repo, [key for key, _ in CELL_LABELS])
        theirs = cell_rows(args.seconds, repo)
        print(f"| {'cell, training step (T 64, B 32, H 128), 1 thread':<52} | {'PyTorch loop':>12} | {'PyTorch fused':>13} | {'RnnGen':>9} | {'vs loop':>7} | {'vs fused':>8} |")
        print(f"|{'-' * 54}|{'-' * 13}:|{'-' * 14}:|{'-' * 10}:|{'-' * 8}:|{'-' * 9}:|")
        for key, label in CELL_LABELS:
            loop, fused = theirs[key]
            b = ours[key]
            fused_text = f"{fused / 1000:.1f} ms" if fused else "—"
            ratio_text = f"{fused / b:.1f}×" if fused else "—"
            print(f"| {label:<52} | {loop / 1000:>9.1f} ms | {fused_text:>13} | {b / 1000:>6.1f} ms | {loop / b:>6.1f}× | {ratio_text:>8} |")
        return

    openblas = os.path.exists("/usr/lib/x86_64-linux-gnu/libopenblas.so.0")
    print(f"PyTorch {torch.__version__}, OpenBLAS {'installed' if openblas else 'missing (reference BLAS)'}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}", file=sys.stderr)
    ours = rnngen_rows(args.seconds, repo)
    theirs = torch_rows(args.seconds, args.threads)

    print(f"| {'work':<48} | {'PyTorch':>12} | {'RnnGen':>12} | {'speed-up':>8} |")
    print(f"|{'-' * 50}|{'-' * 14}:|{'-' * 14}:|{'-' * 10}:|")
    for key, label, torch_key in LABELS:
        a, b = theirs[torch_key], ours[key]
        def fmt(us):
            return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.2f} µs"
        print(f"| {label:<48} | {fmt(a):>12} | {fmt(b):>12} | {a / b:>7.1f}× |")
    tokens = 2048
    print(f"\ntraining tokens/s: PyTorch {tokens / theirs['train_char'] * 1e6:,.0f}, RnnGen {tokens / ours['train_char'] * 1e6:,.0f}")


if __name__ == "__main__":
    main()
