#!/usr/bin/env bash
# adversarial-training.sh: "adversarial training resists the attack it trained on" (Deep Learning 7.13;
# Goodfellow et al. 2014, Madry et al. 2018): the same network trained plainly and with FGSM-AT, fast
# AT, PGD-AT (7 steps) and TRADES at epsilon 0.1 on the 60000 Fashion-MNIST training images, each over
# the given seeds, then its clean, FGSM and PGD-20 accuracy at epsilon 0.1 on the first CHECK test images
# (train's robustness check). Prints one CSV row per run as it goes (into OUT/results.csv) and a Markdown
# table of means and standard deviations at the end. Needs `mvn -B -DskipTests package` first.
#
# usage: benchmarks/experiments/adversarial-training.sh [model] [epochs] [seeds] [check] [out]
#        (default: cnn 3 "1 2 3" 2000 /tmp/gradsign-at-<model>)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d /usr/share/datasets/fashion-mnist ] || {
    echo "$0: needs Debian's dataset-fashion-mnist (the embedded 2000-image sample would give other figures)" >&2
    exit 1
}
model=${1:-cnn}
epochs=${2:-3}
seeds=${3:-1 2 3}
check=${4:-2000}
out=${5:-/tmp/gradsign-at-$model}
objectives=${OBJECTIVES:-standard fgsm-at fast-at pgd-at trades}
mkdir -p "$out"
csv="$out/results.csv"
echo "config,seed,clean,fgsm,pgd20,seconds" > "$csv"
for objective in $objectives; do
    for seed in $seeds; do
        extra=()
        [ "$objective" = standard ] || extra=(--epsilon 0.1)
        log="$out/$model-$objective-$seed.log"
        start=$(date +%s)
        bin/gradsign --backend cpu train --model "$model" --objective "$objective" "${extra[@]}" --epochs "$epochs" \
            --batch 128 --learning-rate 0.05 --schedule cosine --seed "$seed" --check-images "$check" \
            --check-epsilon 0.1 --out "$out/$model-$objective-$seed.gsm" > "$log" 2>&1
        seconds=$(( $(date +%s) - start ))
        sed -n 's/.*clean \([0-9.]*\)%, FGSM \([0-9.]*\)%, PGD-20 \([0-9.]*\)%.*/\1,\2,\3/p' "$log" \
            | awk -v c="$model $objective" -v s="$seed" -v t="$seconds" '{print c "," s "," $0 "," t}' | tee -a "$csv"
    done
done
awk -v title="$model, $epochs epochs, epsilon 0.1" -f benchmarks/experiments/summarize.awk "$csv"
