#!/usr/bin/env bash
# compare-pytorch.sh: gradsign's CPU FGSM beside PyTorch's on this machine, in alternating runs, so
# that both see the same phase of a shared machine (this project's VM varies by 15-30% within the
# hour). Per round and case: PyTorch (benchmarks/pytorch/fgsm_pytorch.py), then gradsign
# (FgsmBenchmark, one JMH fork), each timed the same way: 3 warm-up and 5 measured iterations of 1 s;
# then the measured iterations' mean and best for both, and the ratios of the means and of the bests.
#
# Needs Debian's python3-torch (PyTorch 1.13), libopenblas0-pthread (without it PyTorch runs on the
# reference BLAS, 50x slower) and libjemalloc2, and `mvn -B -q -DskipTests package` first.
# PyTorch runs as fast as found here (benchmarks/pytorch/settings.sh): one intra-op thread, OpenBLAS
# with 2 threads (cnn: 1), oneDNN on, jemalloc that keeps freed memory.
# Both sides run with OpenBLAS's AVX-512 kernels (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset).
#
# A case is model:batch, or model:batch:fashion for the Fashion-MNIST test images shipped in the jar,
# the next batch copied in before each step on both sides (default: one batch of uniform pixels), and
# model:batch:images:steps for that many iterated sign steps per batch (default 1; 10 is
# FgsmBenchmark's steps=10: each step from the previous x', clipped, not projected); images/s count
# images, not steps.
# model: softmax, mlp or cnn (passed to FgsmBenchmark as -p model=...; a model gradsign's
# FgsmBenchmark does not know yet prints PyTorch's side alone). --pytorch-only runs PyTorch alone.
#
# usage: benchmarks/compare-pytorch.sh [--pytorch-only] [rounds] [model:batch[:images] ...]
#        (default: 3 mlp:1 mlp:256 softmax:256; e.g. compare-pytorch.sh 3 cnn:1 cnn:64 cnn:256:fashion mlp:256:fashion:10)
set -euo pipefail
cd "$(dirname "$0")/.."
pytorch_only=false
if [ "${1:-}" = --pytorch-only ]; then
    pytorch_only=true
    shift
fi
rounds=${1:-3}
shift || true
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(mlp:1 mlp:256 softmax:256)
jar=benchmarks/target/benchmarks.jar
. benchmarks/pytorch/settings.sh

torch_check
if ! $pytorch_only && [ ! -f "$jar" ]; then
    echo "compare-pytorch.sh: build first: mvn -B -q -DskipTests package" >&2
    exit 2
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for case in "${cases[@]}"; do
    IFS=: read -r model batch images steps <<< "$case"
    images=${images:-uniform}
    steps=${steps:-1}
    label=$model:$images
    [ "$steps" = 1 ] || label=$label:$steps
    for round in $(seq "$rounds"); do
        read -r torch_mean torch_best < <(torch_run "$model" "$batch" benchmarks/pytorch/fgsm_pytorch.py \
            --model "$model" --batch "$batch" --images "$images" --steps "$steps" \
            | awk '{for (i = 1; i < NF; i++) {if ($i == "mean") m = $(i + 1); if ($i == "best") b = $(i + 1)}}
                   END {print m, b}')
        if $pytorch_only; then
            printf "%-17s batch %4d round %d: pytorch mean %8d best %8d images/s (load %s)\n" "$label" \
                "$batch" "$round" "$torch_mean" "$torch_best" "$(cut -d' ' -f1 /proc/loadavg)"
            continue
        fi
        # JMH's ops/s are batches/s: its summary line holds the mean, its "Iteration" lines each measurement
        read -r gradsign_mean gradsign_best < <(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java -jar "$jar" \
            FgsmBenchmark -p model="$model" -p batch="$batch" -p steps="$steps" -p images="$images" -f 1 -wi 3 -i 5 -w 1 -r 1 2>/dev/null \
            | awk -v batch="$batch" '/^Iteration/ {if ($3 > best) best = $3}
                                     /^FgsmBenchmark.fgsm/ {mean = $(NF - 3)}
                                     END {if (mean != "") printf "%.0f %.0f\n", mean * batch, best * batch}') || true
        if [ -z "${gradsign_mean:-}" ]; then
            printf "%-17s batch %4d round %d: pytorch mean %8d best %8d images/s; gradsign: FgsmBenchmark -p model=%s failed\n" \
                "$label" "$batch" "$round" "$torch_mean" "$torch_best" "$model"
            continue
        fi
        awk -v m="$label" -v b="$batch" -v r="$round" -v tm="$torch_mean" -v tb="$torch_best" -v gm="$gradsign_mean" \
            -v gb="$gradsign_best" 'BEGIN {printf "%-17s batch %4d round %d: pytorch mean %8d best %8d, gradsign mean %8d best %8d images/s; means %.2fx, bests %.2fx\n", m, b, r, tm, tb, gm, gb, gm / tm, gb / tb}'
    done
done
