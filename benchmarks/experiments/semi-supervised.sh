#!/usr/bin/env bash
# semi-supervised.sh: "virtual adversarial examples give semi-supervised learning" (Deep Learning 7.13;
# Miyato et al. 2018): with N labelled Fashion-MNIST training images (balanced per class, chosen by the
# seed) and the other 60000 - N without labels, the same network trained on the labelled images alone,
# with VAT, and with VAT+EntMin, the same steps each (one epoch: one pass over the unlabelled images,
# with a batch of labelled ones at every step); test accuracy on the 10000 test images. One CSV row per
# run into OUT/results.csv, then a Markdown table of means and standard deviations.
# VAT's radius and weight come from VAT_EPSILON and VAT_WEIGHT (default 2.0 and 1); VARIANTS picks among
# labelled-only, vat and vat+entmin (default: all three); INIT the initial weights (train --init: glorot,
# the default, or fan-in, PyTorch's).
#
# usage: benchmarks/experiments/semi-supervised.sh [model] [epochs] [labels] [seeds] [out]
#        (default: mlp 10 "100 1000" "1 2 3" /tmp/gradsign-semi-<model>)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d /usr/share/datasets/fashion-mnist ] || {
    echo "$0: needs Debian's dataset-fashion-mnist (the embedded 2000-image sample would give other figures)" >&2
    exit 1
}
model=${1:-mlp}
epochs=${2:-10}
counts=${3:-100 1000}
seeds=${4:-1 2 3}
out=${5:-/tmp/gradsign-semi-$model}
epsilon=${VAT_EPSILON:-2.0}
weight=${VAT_WEIGHT:-1}
mkdir -p "$out"
csv="$out/results.csv"
echo "config,seed,test,seconds" > "$csv"
for count in $counts; do
    for variant in ${VARIANTS:-labelled-only vat vat+entmin}; do
        for seed in $seeds; do
            case $variant in
                labelled-only) options=(--objective standard) ;;
                vat) options=(--objective vat --epsilon "$epsilon" --vat-weight "$weight") ;;
                vat+entmin) options=(--objective vat --epsilon "$epsilon" --vat-weight "$weight" --entmin) ;;
            esac
            log="$out/$model-$count-$variant-$seed.log"
            start=$(date +%s)
            bin/gradsign --backend cpu train --model "$model" "${options[@]}" --labelled "$count" --epochs "$epochs" \
                --batch 32 --unlabelled-batch 128 --learning-rate 0.02 --schedule cosine --seed "$seed" \
                --init "${INIT:-glorot}" \
                --check-images 0 --out "$out/$model-$count-$variant-$seed.gsm" > "$log" 2>&1
            seconds=$(( $(date +%s) - start ))
            grep "^epoch" "$log" | tail -1 | sed -n 's/.*test accuracy *\([0-9.]*\)%.*/\1/p' \
                | awk -v c="$count labels: $variant" -v s="$seed" -v t="$seconds" '{print c "," s "," $0 "," t}' \
                | tee -a "$csv"
        done
    done
done
awk -F, -v title="$model, $epochs epochs, VAT epsilon $epsilon, weight $weight" '
    NR == 1 { next }
    { if (!($1 in n)) order[++count] = $1; n[$1]++; s[$1] += $3; q[$1] += $3 * $3; t[$1] += $4 }
    END {
        printf "| %s | seeds | test accuracy | minutes per run |\n| --- | --- | --- | --- |\n", title
        for (i = 1; i <= count; i++) {
            c = order[i]; m = s[c] / n[c]; v = n[c] > 1 ? (q[c] - n[c] * m * m) / (n[c] - 1) : 0
            printf "| %s | %d | %.1f ± %.1f | %.1f |\n", c, n[c], m, sqrt(v > 0 ? v : 0), t[c] / n[c] / 60
        }
    }' "$csv"
