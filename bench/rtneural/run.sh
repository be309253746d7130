#!/usr/bin/env bash
# RnnGen against the real RTNeural on RTNeural's own audio shapes: LSTM and GRU of 8, 16, 32, 40 and 64
# units on one input sample, with a Dense 1 head. RTNeural is built from a source directory you give
# (its repository, fetched separately, with its bundled Eigen in modules/Eigen) with
# g++ -O3 -march=native and its compile-time ModelT API; RnnGen's rows come from the benchmark table, for
# models with exact activations (the default) and with rational ones (ActivationMath.Rational).
# The two programs run one at a time, alternating, for the given number of rounds.
#
#   bench/rtneural/run.sh /path/to/RTNeural [--rounds 5] [--seconds 0.5]
#
# Without a source directory (or without g++), it says so and exits without measuring.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source_dir=${1:-}
shift || true
rounds=5
seconds=0.5
while (( $# )); do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

if [[ -z $source_dir || ! -f $source_dir/RTNeural/RTNeural.h || ! -d $source_dir/modules/Eigen ]]; then
    echo "RTNeural comparison skipped: give the path of an RTNeural source tree (with RTNeural/RTNeural.h and modules/Eigen)." >&2
    exit 0
fi

if ! command -v g++ >/dev/null; then
    echo "RTNeural comparison skipped: g++ is not installed." >&2
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. RTNeural, as its README builds it for speed: Eigen backend, AVX alignment, the machine's own ISA.
echo "Building RTNeural's benchmark from $source_dir" >&2
g++ -O3 -march=native -std=c++20 -DRTNEURAL_USE_EIGEN=1 -DRTNEURAL_DEFAULT_ALIGNMENT=32 \
    -I"$source_dir" -I"$source_dir/modules/Eigen" \
    "$root/bench/rtneural/rtneural_bench.cpp" -o "$work/rtneural_bench"

# 2. RnnGen's benchmark table, with no compiler server left running to compete with the timings.
echo "Building bench/RnnGen.Benchmarks" >&2
MSBUILDDISABLENODEREUSE=1 dotnet build -c Release "$root/bench/RnnGen.Benchmarks" -p:UseSharedCompilation=false -nodeReuse:false -nologo -v:q >&2
table="$root/bench/RnnGen.Benchmarks/bin/Release/net10.0/RnnGen.Benchmarks.dll"

keys=""
for kind in lstm gru; do
    for h in 8 16 32 40 64; do
        keys="$keys audio_${kind}_${h}"
    done
done
# Each shape with exact activations (the default) and with ActivationMath.Rational.
rnngen_keys=$(for k in $keys; do printf '%s,%s_step,%s_rational,%s_rational_step,' "$k" "$k" "$k" "$k"; done)

# 3. Interleaved rounds: RTNeural, then RnnGen (and the other way round every other round).
for (( r = 1; r <= rounds; r++ )); do
    echo "round $r/$rounds" >&2
    if (( r % 2 )); then
        "$work/rtneural_bench" "$seconds" $keys | sed "s/^/rtneural $r /" >> "$work/results"
        dotnet "$table" table --seconds "$seconds" --json --only "${rnngen_keys%,}" | sed "s/^/rnngen $r /" >> "$work/results"
    else
        dotnet "$table" table --seconds "$seconds" --json --only "${rnngen_keys%,}" | sed "s/^/rnngen $r /" >> "$work/results"
        "$work/rtneural_bench" "$seconds" $keys | sed "s/^/rtneural $r /" >> "$work/results"
    fi
done

# 4. Medians and per-round ratios.
python3 "$root/bench/rtneural/report.py" "$work/results" "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
