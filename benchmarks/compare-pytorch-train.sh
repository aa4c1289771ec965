#!/usr/bin/env bash
# compare-pytorch-train.sh: gradsign's CPU training epoch beside PyTorch's on this machine, in
# alternating runs (see compare-pytorch.sh). Per round and case: PyTorch
# (benchmarks/pytorch/train_pytorch.py: one warm-up and 3 measured epochs), then gradsign
# (TrainingBenchmark, one JMH fork, single-shot: 1 warm-up and 3 measured epochs); then both sides'
# mean and best epoch in seconds, images/s of the means, and gradsign's speed-up (PyTorch's seconds
# over gradsign's) of the means and of the bests.
#
# Both sides train on pixels uniform in [0, 1] with uniform labels (what TrainingBenchmark trains on),
# SGD with momentum 0.9, softmax cross-entropy; the epoch's images in a fresh random order. PyTorch runs
# with the set-up of benchmarks/pytorch/settings.sh. Needs what compare-pytorch.sh needs.
#
# A case is model:batch:images (model: softmax, mlp or cnn). TrainingBenchmark is run with
# -p model=<model> -p batch=<batch> -p images=<images>. A model it does not know prints PyTorch's
# side alone. --pytorch-only runs PyTorch alone.
#
# usage: benchmarks/compare-pytorch-train.sh [--pytorch-only] [rounds] [model:batch:images ...]
#        (default: 3 cnn:128:10000)
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
[ ${#cases[@]} -gt 0 ] || cases=(cnn:128:10000)
jar=benchmarks/target/benchmarks.jar
. benchmarks/pytorch/settings.sh

torch_check
if ! $pytorch_only && [ ! -f "$jar" ]; then
    echo "compare-pytorch-train.sh: build first: mvn -B -q -DskipTests package" >&2
    exit 2
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for case in "${cases[@]}"; do
    IFS=: read -r model batch images <<< "$case"
    batch=${batch:-128}
    images=${images:-10000}
    jmh_sizes=(-p batch="$batch" -p images="$images")
    for round in $(seq "$rounds"); do
        read -r torch_mean torch_best < <(torch_run "$model" "$batch" benchmarks/pytorch/train_pytorch.py \
            --model "$model" --batch "$batch" --images "$images" --epochs 3 --data uniform \
            | awk '{for (i = NF - 1; i >= 1; i--) {if ($i == "mean") m = $(i + 1); if ($i == "best") b = $(i + 1)}
                    sub(/,$/, "", b); print m, b; exit}')
        if $pytorch_only; then
            awk -v c="$model:$batch:$images" -v r="$round" -v tm="$torch_mean" -v tb="$torch_best" -v n="$images" \
                -v l="$(cut -d' ' -f1 /proc/loadavg)" \
                'BEGIN {printf "%-16s round %d: pytorch epoch mean %7.3f s best %7.3f s (%6.0f images/s) (load %s)\n", c, r, tm, tb, n / tm, l}'
            continue
        fi
        # JMH's single-shot summary holds the mean epoch (Score, before the "±" of its Error), its
        # "Iteration" lines each measured epoch, in s/op
        read -r gradsign_mean gradsign_best < <(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java -jar "$jar" \
            TrainingBenchmark -p model="$model" "${jmh_sizes[@]}" -f 1 -wi 1 -i 3 2>/dev/null \
            | awk '/^Iteration/ {if (best == "" || $3 < best) best = $3}
                   /^TrainingBenchmark.epoch/ {mean = $(NF - 1); for (i = 1; i <= NF; i++) if ($i == "±") mean = $(i - 1)}
                   END {if (mean != "") print mean, best}') || true
        if [ -z "${gradsign_mean:-}" ]; then
            awk -v c="$model:$batch:$images" -v r="$round" -v tm="$torch_mean" -v tb="$torch_best" -v m="$model" \
                'BEGIN {printf "%-16s round %d: pytorch epoch mean %7.3f s best %7.3f s; gradsign: TrainingBenchmark -p model=%s failed\n", c, r, tm, tb, m}'
            continue
        fi
        awk -v c="$model:$batch:$images" -v r="$round" -v tm="$torch_mean" -v tb="$torch_best" -v gm="$gradsign_mean" \
            -v gb="$gradsign_best" -v n="$images" \
            'BEGIN {printf "%-16s round %d: pytorch epoch mean %7.3f s best %7.3f s (%6.0f images/s), gradsign mean %7.3f s best %7.3f s (%6.0f images/s); speed-up of means %.2fx, bests %.2fx\n",
                    c, r, tm, tb, n / tm, gm, gb, n / gm, tm / gm, tb / gb}'
    done
done
