#!/usr/bin/env bash
# compare-pytorch-robust.sh: gradsign's standard evaluation (APGD-CE, then APGD-T on the unbroken images)
# and Carlini-Wagner L2 on the shipped CNN beside PyTorch's (benchmarks/pytorch/standard_eval_pytorch.py
# and cw_pytorch.py), in alternating runs on this machine: per round and case, PyTorch (with the set-up of
# benchmarks/pytorch/settings.sh, model cnn), then gradsign's command line on its CPU backend:
#   standard:N[:M]    bin/gradsign --backend cpu eval --standard --shipped M --epsilon 0.1 --count N --steps 100
#                     beside standard_eval_pytorch.py --model M --count N --epsilon 0.1 --steps 100
#   cw:N:B:S[:M]      bin/gradsign --backend cpu attack --attack cw --shipped M --count N --binary-steps B --steps S
#                     beside cw_pytorch.py --model M --count N --binary-steps B --steps S
# M is a shipped model: cnn (the default), mlp or cnn-pgd-at (the CNN trained with PGD-AT, the one that
# keeps APGD-T busy: the plain CNN falls to APGD-CE almost entirely). After a standard case's rounds,
# gradsign runs once more with --no-compaction (every image through every iteration of a run, as
# AutoAttack does): the passes and seconds compaction saved.
# Both sides read the first N Fashion-MNIST test images from /usr/share/datasets/fashion-mnist (Debian's
# dataset-fashion-mnist, gradsign's default data; PyTorch falls back to the jar's 1000-image sample
# without it, and says so). Each side's seconds are its own figure, measured around the attacks alone
# (model and data loading, the JVM's start and the clean predictions excluded): PyTorch's `result
# seconds ...` line, gradsign's `time: <seconds> s, <passes> forward-backward passes (<rate>/s)` line.
# Printed per round and case: both sides' seconds and forward-backward passes/s, the speed-up (PyTorch's
# seconds over gradsign's; the target is 2x) and, to show both ran the same algorithm, the robust
# accuracy after the evaluation (standard) or the success rate and median L2 of the successful x' - x
# (cw) of both sides. Where a gradsign command fails, PyTorch's side is printed and the line says so.
# Both sides' full outputs are kept in $TMPDIR (the paths are printed).
#
# The CW case runs 5 binary-search steps of 100 Adam iterations by default, not the paper's 9 x 10,000,
# to fit a benchmark run; both sides run the same. The passes each side counts: every gradient computed
# on m samples is m passes (the clean forward passes are not counted).
# Needs python3-torch, libopenblas0-pthread, libjemalloc2 (as compare-pytorch.sh) and a build of
# gradsign's command line (mvn -B -q -pl java -DskipTests package).
#
# GRADSIGN_BACKEND (default cpu) picks gradsign's backend: cuda on a GPU machine gives gradsign's GPU
# figures beside PyTorch's CPU ones (say so where they are reported).
#
# usage: benchmarks/compare-pytorch-robust.sh [rounds] [standard:COUNT[:MODEL]] [cw:COUNT:BINARY:STEPS[:MODEL]] ...
#        (default: 1 standard:10000 standard:1000:cnn-pgd-at cw:1000:5:100)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
shift || true
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(standard:10000 standard:1000:cnn-pgd-at cw:1000:5:100)
. benchmarks/pytorch/settings.sh
torch_check
export PYTHONDONTWRITEBYTECODE=1  # cw_pytorch.py imports standard_eval_pytorch.py: no __pycache__ in the tree
logs=$(mktemp -d "${TMPDIR:-/tmp}/compare-pytorch-robust.XXXXXX")

# field VALUE-AFTER FILE: the word after the first occurrence of the word $1 on the `result` line
result_field() {
    awk -v key="$1" '/^result / {for (i = 1; i < NF; i++) if ($i == key) {print $(i + 1); exit}}' "$2"
}

# gradsign_time FILE: "seconds passes/s" from gradsign's `time: S s, P forward-backward passes (R/s)` line
gradsign_time() {
    awk '/^time: / {rate = $7; gsub(/[(]|\/s[)]/, "", rate); print $2, rate; exit}' "$1"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg); logs in $logs"
for case in "${cases[@]}"; do
    IFS=: read -r kind count binary steps cw_model <<< "$case"
    case "$kind" in
        standard)
            count=${count:-10000} model=${binary:-cnn}
            torch_args=(benchmarks/pytorch/standard_eval_pytorch.py --model "$model" --count "$count" --epsilon 0.1 --steps 100)
            gradsign_args=(--backend "${GRADSIGN_BACKEND:-cpu}" eval --standard --shipped "$model" --epsilon 0.1 --count "$count" --steps 100)
            name="standard:$count:$model" ;;
        cw)
            count=${count:-1000} binary=${binary:-5} steps=${steps:-100} model=${cw_model:-cnn}
            torch_args=(benchmarks/pytorch/cw_pytorch.py --model "$model" --count "$count" --binary-steps "$binary" --steps "$steps")
            gradsign_args=(--backend "${GRADSIGN_BACKEND:-cpu}" attack --attack cw --shipped "$model" --count "$count" --binary-steps "$binary" --steps "$steps")
            name="cw:$count:$binary:$steps:$model" ;;
        *)
            echo "compare-pytorch-robust.sh: unknown case '$case' (standard:COUNT[:MODEL] or cw:COUNT:BINARY:STEPS[:MODEL])" >&2
            exit 2 ;;
    esac
    for round in $(seq "$rounds"); do
        torch_log="$logs/$name-$round-pytorch.txt" gradsign_log="$logs/$name-$round-gradsign.txt"
        torch_log=${torch_log//:/-} gradsign_log=${gradsign_log//:/-}
        if ! torch_run "${model%-pgd-at}" 250 "${torch_args[@]}" > "$torch_log" 2>&1 || ! grep -q '^result ' "$torch_log"; then
            echo "$name round $round: PyTorch failed (see $torch_log)" >&2
            tail -5 "$torch_log" >&2
            exit 1
        fi
        t_seconds=$(result_field seconds "$torch_log")
        t_rate=$(result_field passes/s "$torch_log")
        if [ "$kind" = standard ]; then
            t_quality="robust $(awk -v r="$(result_field robust "$torch_log")" 'BEGIN {printf "%.2f%%", 100 * r}')"
        else
            t_quality="success $(awk -v r="$(result_field success "$torch_log")" 'BEGIN {printf "%.2f%%", 100 * r}'), median L2 $(result_field median_l2 "$torch_log")"
        fi
        load=$(cut -d' ' -f1 /proc/loadavg)
        g_seconds="" g_rate=""
        if env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE bin/gradsign "${gradsign_args[@]}" > "$gradsign_log" 2>&1; then
            read -r g_seconds g_rate < <(gradsign_time "$gradsign_log") || true
        fi
        if [ -z "$g_seconds" ]; then
            printf "%-15s round %d: pytorch %8.1f s (%6.0f passes/s, %s); gradsign failed: bin/gradsign %s (see %s) (load %s)\n" \
                "$name" "$round" "$t_seconds" "$t_rate" "$t_quality" "${gradsign_args[*]}" "$gradsign_log" "$load"
            continue
        fi
        if [ "$kind" = standard ]; then
            # the accuracy column of the table's last attack row (apgd-...), e.g. "apgd-t  183  0  0.00%  ..."
            g_quality="robust $(awk '$1 ~ /^apgd/ {for (i = 2; i <= NF; i++) if ($i ~ /%$/) acc = $i} END {print (acc == "" ? "?" : acc)}' "$gradsign_log")"
        else
            g_success=$(awk '/^success rate:/ {print $3; exit}' "$gradsign_log")
            g_median=$(awk "/of the successful x' - x: median/ {for (i = 1; i < NF; i++) if (\$i == \"median\") {m = \$(i + 1); sub(/,\$/, \"\", m); print m; exit}}" "$gradsign_log")
            g_quality="success ${g_success:-?}, median L2 ${g_median:-?}"
        fi
        awk -v c="$name" -v r="$round" -v ts="$t_seconds" -v tr="$t_rate" -v gs="$g_seconds" -v gr="$g_rate" \
            -v tq="$t_quality" -v gq="$g_quality" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
            'BEGIN {printf "%-15s round %d: pytorch %8.1f s (%6.0f passes/s), gradsign %8.1f s (%6.0f passes/s); speed-up %.2fx; pytorch %s, gradsign %s (load %s)\n",
                    c, r, ts, tr, gs, gr, ts / gs, tq, gq, l}'
    done
    if [ "$kind" = standard ]; then
        # compaction's saving: the same evaluation with every image through every iteration of a run
        plain_log="$logs/${name//:/-}-gradsign-no-compaction.txt"
        if env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE bin/gradsign "${gradsign_args[@]}" --no-compaction > "$plain_log" 2>&1; then
            read -r p_seconds p_rate < <(gradsign_time "$plain_log") || true
            p_passes=$(awk '/^time: / {print $4; exit}' "$plain_log")
            c_passes=$(awk '/^time: / {print $4; exit}' "$gradsign_log")
            awk -v c="$name" -v ps="$p_seconds" -v pp="$p_passes" -v gs="$g_seconds" -v gp="$c_passes" \
                'BEGIN {printf "%-15s gradsign without compaction: %8.1f s, %d passes; compaction saved %.1f%% of the passes and %.1f%% of the time\n",
                        c, ps, pp, 100 * (1 - gp / pp), 100 * (1 - gs / ps)}'
        else
            echo "$name: gradsign --no-compaction failed (see $plain_log)"
        fi
    fi
done
