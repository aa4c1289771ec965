#!/usr/bin/env bash
# linear.sh: "linear models cannot resist" (Deep Learning 7.13): softmax regression trained plainly and
# with FGSM-AT at epsilon 0.25, beside the MLP trained with FGSM-AT, fast AT and PGD-AT and the CNN with
# FGSM-AT and fast AT at 0.25 (RUNS, model:objective pairs, chooses others), each then attacked at 0.25
# (clean, FGSM, PGD-20 accuracy on the first CHECK test images); and the softmax regressions' certified
# accuracy at 0.25 (eval --certify). CSV rows into OUT/results.csv, then a table.
#
# usage: benchmarks/experiments/linear.sh [epochs] [seeds] [check] [out]   (default: 5 "1 2 3" 2000 /tmp/gradsign-linear)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d /usr/share/datasets/fashion-mnist ] || {
    echo "$0: needs Debian's dataset-fashion-mnist (the embedded 2000-image sample would give other figures)" >&2
    exit 1
}
epochs=${1:-5}
seeds=${2:-1 2 3}
check=${3:-2000}
out=${4:-/tmp/gradsign-linear}
mkdir -p "$out"
csv="$out/results.csv"
echo "config,seed,clean,fgsm,pgd20,seconds" > "$csv"
for run in ${RUNS:-softmax:standard softmax:fgsm-at mlp:fgsm-at mlp:fast-at mlp:pgd-at cnn:fgsm-at cnn:fast-at}; do
    IFS=: read -r model objective <<< "$run"
    for seed in $seeds; do
        extra=()
        [ "$objective" = standard ] || extra=(--epsilon 0.25)
        log="$out/$model-$objective-$seed.log"
        start=$(date +%s)
        bin/gradsign --backend cpu train --model "$model" --objective "$objective" "${extra[@]}" --epochs "$epochs" \
            --batch 128 --learning-rate 0.05 --schedule cosine --seed "$seed" --check-images "$check" \
            --check-epsilon 0.25 --out "$out/$model-$objective-$seed.gsm" > "$log" 2>&1
        seconds=$(( $(date +%s) - start ))
        sed -n 's/.*clean \([0-9.]*\)%, FGSM \([0-9.]*\)%, PGD-20 \([0-9.]*\)%.*/\1,\2,\3/p' "$log" \
            | awk -v c="$model $objective" -v s="$seed" -v t="$seconds" '{print c "," s "," $0 "," t}' | tee -a "$csv"
        if [ "$model" = softmax ]; then
            bin/gradsign --backend cpu eval --model-file "$out/$model-$objective-$seed.gsm" --count "$check" \
                --attacks fgsm --epsilons 0.25 --certify 2>/dev/null | sed -n 's/^certified *\([0-9.]*%\).*/certified accuracy at 0.25: \1/p' \
                | sed "s/^/$model $objective seed $seed: /" | tee -a "$out/certified.txt" || true
        fi
    done
done
awk -v title="epsilon 0.25, $epochs epochs" -f benchmarks/experiments/summarize.awk "$csv"
