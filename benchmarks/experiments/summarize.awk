# summarize.awk: mean and sample standard deviation per configuration of the experiments' CSV rows
# (config,seed,clean,fgsm,pgd20,seconds), printed as a Markdown table in the configurations' first-seen order.
BEGIN { FS = "," }
NR == 1 { next }
{
    if (!($1 in n)) order[++count] = $1
    n[$1]++
    for (k = 3; k <= 5; k++) { s[$1, k] += $k; q[$1, k] += $k * $k }
    t[$1] += $6
}
function cell(c, k,   m, v) {
    m = s[c, k] / n[c]
    v = n[c] > 1 ? (q[c, k] - n[c] * m * m) / (n[c] - 1) : 0
    return n[c] > 1 ? sprintf("%.1f ± %.1f", m, sqrt(v > 0 ? v : 0)) : sprintf("%.1f", m)
}
END {
    printf "| %s | seeds | clean | FGSM | PGD-20 | minutes per run |\n| --- | --- | --- | --- | --- | --- |\n", title
    for (i = 1; i <= count; i++) {
        c = order[i]
        printf "| %s | %d | %s | %s | %s | %.1f |\n", c, n[c], cell(c, 3), cell(c, 4), cell(c, 5), t[c] / n[c] / 60
    }
}
