#!/usr/bin/env bash
# RnnGen against ONNX Runtime and LibTorch (TorchSharp) in one .NET process: exports the models if
# they are missing, builds bench/RnnGen.SideBySide, makes TorchSharp's native library loadable on
# this system, and runs the harness with the arguments given here, for example:
#
#   bench/side_by_side_dotnet.sh --rounds 3 --seconds 0.2
#   bench/side_by_side_dotnet.sh --only step_lstm_64_128,forward_b32 --json > side-by-side.json
#
# Environment: RNNGEN_ONNX_MODELS, the directory for bench/export_onnx.py's files (default
# bench/onnx-models, git-ignored); PYTHON, the interpreter with torch (default /usr/bin/python3,
# Debian's python3-torch).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
models=${RNNGEN_ONNX_MODELS:-$root/bench/onnx-models}
python=${PYTHON:-/usr/bin/python3}
project=$root/bench/RnnGen.SideBySide
out=$project/bin/Release/net10.0

# 1. The ONNX graphs and the safetensors weights, exported from PyTorch once.
missing=0
for file in lstm_64_128.safetensors gru_64_128.safetensors lstm_1_40.safetensors char_lstm.safetensors \
            lstm_64_128_step.onnx gru_64_128_step.onnx lstm_1_40_step.onnx lstm_64_128_sequence.onnx; do
    [[ -f $models/$file ]] || missing=1
done
if (( missing )); then
    if ! "$python" -c 'import torch' 2>/dev/null; then
        echo "$python cannot import torch: install it with 'apt-get install python3-torch'" >&2
        exit 1
    fi
    echo "Exporting the models to $models" >&2
    "$python" "$root/bench/export_onnx.py" "$models" >&2
fi

# 2. The harness, with no compiler server or build node left running to compete with the timings.
echo "Building $project" >&2
MSBUILDDISABLENODEREUSE=1 dotnet build -c Release "$project" -p:UseSharedCompilation=false -nodeReuse:false -nologo -v:q >&2

# 3. TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32 for one marker symbol it never
#    calls; an older libstdc++ (Debian 12's ends at 3.4.30) makes the loader refuse it. Every build
#    copies the original from the NuGet cache again, so patch the output's copy after each build
#    (the NuGet cache is left alone). With a new enough libstdc++ the script changes nothing.
if [[ -f $out/libLibTorchSharp.so ]]; then
    python3 "$root/bench/side_by_side/weaken_glibcxx.py" "$out/libLibTorchSharp.so" "$out/libLibTorchSharp.so" >&2
fi

# 4. The harness itself, from the built program (not `dotnet run`, whose own process stays busy on a
#    core for a second or two after it starts the program).
exec dotnet "$out/RnnGen.SideBySide.dll" --models "$models" "$@"
