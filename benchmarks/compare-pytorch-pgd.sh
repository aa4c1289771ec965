#!/usr/bin/env bash
# compare-pytorch-pgd.sh: gradsign's PGD (PgdBenchmark, no early stop) beside PyTorch's
# (benchmarks/pytorch/pgd_pytorch.py), in alternating runs on this machine, as compare-pytorch.sh does
# for FGSM: per round and case, PyTorch then gradsign, each 3 warm-up and 5 measured iterations of
# 1 s; the means and bests in images/s and their ratios. Then gradsign once more with an early stop,
# in images/s and forward-backward passes/s (the two differ by the samples the stop spared).
# Needs what compare-pytorch.sh needs (python3-torch, libopenblas0-pthread, libjemalloc2) and
# `mvn -B -q -DskipTests package` first.
#
# usage: benchmarks/compare-pytorch-pgd.sh [rounds] [model:batch[:steps] ...]   (default: 3 mlp:256 cnn:256)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
shift || true
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(mlp:256 cnn:256)
jar=benchmarks/target/benchmarks.jar
. benchmarks/pytorch/settings.sh
torch_check
if [ ! -f "$jar" ]; then
    echo "compare-pytorch-pgd.sh: build first: mvn -B -q -DskipTests package" >&2
    exit 2
fi

# gradsign_run MODEL BATCH STEPS EARLY: "mean best passes-mean" in images/s (JMH's ops/s are batches/s)
gradsign_run() {
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java -jar "$jar" PgdBenchmark -p model="$1" -p batch="$2" \
        -p steps="$3" -p earlyStop="$4" -f 1 -wi 3 -i 5 -w 1 -r 1 2>/dev/null \
        | awk -v batch="$2" '/^Iteration/ {if ($3 > best) best = $3}
                             /^PgdBenchmark.pgd:passes/ {passes = $(NF - 3)}
                             /^PgdBenchmark.pgd / {mean = $(NF - 3)}
                             END {if (mean != "") printf "%.0f %.0f %.0f\n", mean * batch, best * batch, passes}'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for case in "${cases[@]}"; do
    IFS=: read -r model batch steps <<< "$case"
    steps=${steps:-10}
    for round in $(seq "$rounds"); do
        read -r torch_mean torch_best < <(torch_run "$model" "$batch" benchmarks/pytorch/pgd_pytorch.py \
            --model "$model" --batch "$batch" --steps "$steps" \
            | awk '{for (i = 1; i < NF; i++) {if ($i == "mean" && m == "") m = $(i + 1); if ($i == "best") b = $(i + 1)}}
                   END {print m, b}')
        read -r g_mean g_best g_passes < <(gradsign_run "$model" "$batch" "$steps" false) || true
        if [ -z "${g_mean:-}" ]; then
            printf "pgd-%s %s batch %4d round %d: pytorch mean %7d best %7d; gradsign failed\n" "$steps" "$model" \
                "$batch" "$round" "$torch_mean" "$torch_best"
            continue
        fi
        awk -v m="$model" -v s="$steps" -v b="$batch" -v r="$round" -v tm="$torch_mean" -v tb="$torch_best" \
            -v gm="$g_mean" -v gb="$g_best" -v gp="$g_passes" 'BEGIN {printf "pgd-%s %-4s batch %4d round %d: pytorch mean %7d best %7d, gradsign mean %7d best %7d images/s (%d passes/s); means %.2fx, bests %.2fx\n", s, m, b, r, tm, tb, gm, gb, gp, gm / tm, gb / tb}'
    done
    read -r e_mean e_best e_passes < <(gradsign_run "$model" "$batch" "$steps" true) || true
    printf "pgd-%s %-4s batch %4d, gradsign with early stop: mean %7d best %7d images/s, %d forward-backward passes/s\n" \
        "$steps" "$model" "$batch" "${e_mean:-0}" "${e_best:-0}" "${e_passes:-0}"
done
