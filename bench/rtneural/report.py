"""Summarises bench/rtneural/run.sh's rounds: per shape, the medians of RTNeural's forward() and of
RnnGen's Process (blocks of 64) and Step, in ns per sample, with the median and range of the per-round
ratios RnnGen ÷ RTNeural (below 1: RnnGen is faster); one table for RnnGen's exact activations and one
for its rational activations (ActivationMath.Rational)."""
import json
import statistics
import sys
from collections import defaultdict

results, processor = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "?"
times = defaultdict(dict)  # (implementation, key) -> {round: ns}
with open(results, encoding="utf-8") as f:
    for line in f:
        who, round_, rest = line.split(" ", 2)
        if who == "rtneural":
            key, ns = rest.split()
            times[("rtneural", key)][int(round_)] = float(ns)
        else:
            row = json.loads(rest)
            times[("rnngen", row["key"])][int(round_)] = row["us"] * 1000

print(f"RnnGen against RTNeural, ns per sample, medians of {len(times[('rtneural', 'audio_lstm_8')])} rounds ({processor})")
for math, title in (("", "exact activations (the default)"), ("_rational", "rational activations (ActivationMath.Rational)")):
    print()
    print(f"RnnGen with {title}:")
    print()
    print("| shape | RTNeural forward() | RnnGen Process (blocks of 64) | ÷ RTNeural (range) | RnnGen Step | ÷ RTNeural (range) |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in ("lstm", "gru"):
        for h in (8, 16, 32, 40, 64):
            key = f"audio_{kind}_{h}"
            ref = times[("rtneural", key)]
            cells = [f"{kind.upper()} 1→{h} + Dense 1", f"{statistics.median(ref.values()):.1f}"]
            for rnngen_key in (key + math, key + math + "_step"):
                ours = times[("rnngen", rnngen_key)]
                ratios = [ours[r] / ref[r] for r in ours if r in ref]
                cells.append(f"{statistics.median(ours.values()):.1f}")
                cells.append(f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})")
            print("| " + " | ".join(cells) + " |")
