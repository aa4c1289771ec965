#!/usr/bin/env bash
# compare-pytorch-adv-train.sh: gradsign's CPU epoch of adversarial training and of virtual adversarial
# training beside PyTorch's on this machine, in alternating runs (see compare-pytorch.sh). Per round and
# case: PyTorch (benchmarks/pytorch/adv_train_pytorch.py: one warm-up and 3 measured epochs), then
# gradsign (ObjectiveEpochBenchmark, one JMH fork, single-shot: 1 warm-up and 3 measured epochs);
# then both sides' mean and best epoch in seconds, images/s of the means, and gradsign's speed-up
# (PyTorch's seconds over gradsign's) of the means and of the bests.
#
# Both sides train on pixels uniform in [0, 1] with uniform labels (as compare-pytorch-train.sh), SGD
# with lr 0.05 and momentum 0.9; the epoch's images in a fresh random order; the objectives and their
# defaults (eps 0.1; fgsm-at alpha 0.5; pgd-at and trades 7 steps of 2.5 eps / 7; trades beta 6; vat
# eps 2.0, xi 0.01, one power iteration) as adv_train_pytorch.py's docstring says. PyTorch runs with
# the set-up of benchmarks/pytorch/settings.sh. Needs what compare-pytorch.sh needs.
#
# A case is model:objective:batch:images (model: mlp or cnn; objective: standard, fgsm-at, pgd-at,
# fast-at, trades or vat). ObjectiveEpochBenchmark is run with -p model=<model>
# -p objective=<objective> -p batch=<batch> -p images=<images> -bm ss; where it fails (a missing jar,
# a benchmark, model or objective it does not know) the line gives PyTorch's side alone and says so.
# --pytorch-only runs PyTorch alone.
#
# usage: benchmarks/compare-pytorch-adv-train.sh [--pytorch-only] [rounds] [model:objective:batch:images ...]
#        (default: 3 mlp:fgsm-at:128:10000 mlp:pgd-at:128:10000 mlp:vat:128:10000
#                    cnn:fgsm-at:128:10000 cnn:pgd-at:128:10000 cnn:vat:128:10000)
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
[ ${#cases[@]} -gt 0 ] || cases=(mlp:fgsm-at:128:10000 mlp:pgd-at:128:10000 mlp:vat:128:10000
                                 cnn:fgsm-at:128:10000 cnn:pgd-at:128:10000 cnn:vat:128:10000)
jar=benchmarks/target/benchmarks.jar
. benchmarks/pytorch/settings.sh

torch_check
if ! $pytorch_only && [ ! -f "$jar" ]; then
    echo "compare-pytorch-adv-train.sh: no $jar (build: mvn -B -q -DskipTests package); PyTorch's side alone" >&2
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for case in "${cases[@]}"; do
    IFS=: read -r model objective batch images <<< "$case"
    objective=${objective:-fgsm-at}
    batch=${batch:-128}
    images=${images:-10000}
    name="$model:$objective:$batch:$images"
    for round in $(seq "$rounds"); do
        torch_mean="" torch_best=""
        read -r torch_mean torch_best < <(torch_run "$model" "$batch" benchmarks/pytorch/adv_train_pytorch.py \
            --model "$model" --objective "$objective" --batch "$batch" --images "$images" --epochs 3 --data uniform \
            | awk '{for (i = NF - 1; i >= 1; i--) {if ($i == "mean") m = $(i + 1); if ($i == "best") b = $(i + 1)}
                    sub(/,$/, "", b); print m, b; exit}') || true
        if [ -z "$torch_mean" ]; then
            echo "$name round $round: adv_train_pytorch.py failed" >&2
            exit 1
        fi
        load=$(cut -d' ' -f1 /proc/loadavg)
        if $pytorch_only; then
            awk -v c="$name" -v r="$round" -v tm="$torch_mean" -v tb="$torch_best" -v n="$images" -v l="$load" \
                'BEGIN {printf "%-22s round %d: pytorch epoch mean %7.3f s best %7.3f s (%6.0f images/s) (load %s)\n", c, r, tm, tb, n / tm, l}'
            continue
        fi
        # JMH's single-shot summary holds the mean epoch (Score, before the "±" of its Error), its
        # "Iteration" lines each measured epoch; -tu s makes both seconds whatever the benchmark's unit
        gradsign_mean="" gradsign_best=""
        if [ -f "$jar" ]; then
            read -r gradsign_mean gradsign_best < <(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java -jar "$jar" \
                ObjectiveEpochBenchmark -p model="$model" -p objective="$objective" -p batch="$batch" \
                -p images="$images" -bm ss -tu s -f 1 -wi 1 -i 3 2>/dev/null \
                | awk '/^Iteration/ {if (best == "" || $3 < best) best = $3}
                       /^ObjectiveEpochBenchmark\./ {mean = $(NF - 1); for (i = 1; i <= NF; i++) if ($i == "±") mean = $(i - 1)}
                       END {if (mean != "" && best != "") print mean, best}') || true
        fi
        if [ -z "$gradsign_mean" ]; then
            awk -v c="$name" -v r="$round" -v tm="$torch_mean" -v tb="$torch_best" -v n="$images" -v l="$load" \
                -v m="$model" -v o="$objective" \
                'BEGIN {printf "%-22s round %d: pytorch epoch mean %7.3f s best %7.3f s (%6.0f images/s) (load %s); gradsign: ObjectiveEpochBenchmark -p model=%s -p objective=%s failed\n", c, r, tm, tb, n / tm, l, m, o}'
            continue
        fi
        awk -v c="$name" -v r="$round" -v tm="$torch_mean" -v tb="$torch_best" -v gm="$gradsign_mean" \
            -v gb="$gradsign_best" -v n="$images" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
            'BEGIN {printf "%-22s round %d: pytorch epoch mean %7.3f s best %7.3f s (%6.0f images/s), gradsign mean %7.3f s best %7.3f s (%6.0f images/s); speed-up of means %.2fx, bests %.2fx (load %s)\n",
                    c, r, tm, tb, n / tm, gm, gb, n / gm, tm / gm, tb / gb, l}'
    done
done
