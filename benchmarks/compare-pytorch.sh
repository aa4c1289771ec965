#!/usr/bin/env bash
# compare-pytorch.sh: gradsign's CPU FGSM beside PyTorch's on this machine, in alternating runs, so
# that both see the same phase of a shared machine (this project's VM varies by 15-30% within the
# hour). Per round and case: PyTorch (benchmarks/pytorch/fgsm_pytorch.py), then gradsign
# (FgsmBenchmark, one JMH fork), each timed the same way: 3 warm-up and 5 measured iterations of 1 s;
# then the measured iterations' mean and best for both, and the ratios of the means and of the bests.
#
# Needs Debian's python3-torch (PyTorch 1.13), libopenblas0-pthread (without it PyTorch runs on the
# reference BLAS, 50x slower) and libjemalloc2, and `mvn -B -q -DskipTests package` first.
# PyTorch runs as fast as found here: one intra-op thread, OpenBLAS with 2 threads, jemalloc.
# Both sides run with OpenBLAS's AVX-512 kernels (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset).
#
# A case is model:batch, or model:batch:fashion for the Fashion-MNIST test images shipped in the jar,
# the next batch copied in before each step on both sides (default: one batch of uniform pixels).
#
# usage: benchmarks/compare-pytorch.sh [rounds] [model:batch[:images] ...]   (default: 3 mlp:1 mlp:256 softmax:256)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
shift || true
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(mlp:1 mlp:256 softmax:256)
jar=benchmarks/target/benchmarks.jar
python=/usr/bin/python3
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2

if ! "$python" -c 'import torch' 2>/dev/null; then
    echo "compare-pytorch.sh: needs PyTorch: sudo apt-get install python3-torch libopenblas0-pthread libjemalloc2" >&2
    exit 2
fi
if [ ! -f "$jar" ]; then
    echo "compare-pytorch.sh: build first: mvn -B -q -DskipTests package" >&2
    exit 2
fi
preload=""
[ -f "$jemalloc" ] && preload=$jemalloc

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(date -u +%FT%TZ)"
for case in "${cases[@]}"; do
    IFS=: read -r model batch images <<< "$case"
    images=${images:-uniform}
    for round in $(seq "$rounds"); do
        read -r torch_mean torch_best < <(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_PRELOAD="$preload" \
            OPENBLAS_NUM_THREADS=2 "$python" benchmarks/pytorch/fgsm_pytorch.py --model "$model" --batch "$batch" \
            --threads 1 --images "$images" | awk '{for (i = 1; i < NF; i++) {if ($i == "mean") m = $(i + 1); if ($i == "best") b = $(i + 1)}}
                               END {print m, b}')
        # JMH's ops/s are batches/s: its summary line holds the mean, its "Iteration" lines each measurement
        read -r gradsign_mean gradsign_best < <(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java -jar "$jar" \
            FgsmBenchmark -p model="$model" -p batch="$batch" -p steps=1 -p images="$images" -f 1 -wi 3 -i 5 -w 1 -r 1 2>/dev/null \
            | awk -v batch="$batch" '/^Iteration/ {if ($3 > best) best = $3}
                                     /^FgsmBenchmark.fgsm/ {mean = $(NF - 3)}
                                     END {printf "%.0f %.0f\n", mean * batch, best * batch}')
        awk -v m="$model:$images" -v b="$batch" -v r="$round" -v tm="$torch_mean" -v tb="$torch_best" -v gm="$gradsign_mean" \
            -v gb="$gradsign_best" 'BEGIN {printf "%-14s batch %4d round %d: pytorch mean %8d best %8d, gradsign mean %8d best %8d images/s; means %.2fx, bests %.2fx\n", m, b, r, tm, tb, gm, gb, gm / tm, gb / tb}'
    done
done
