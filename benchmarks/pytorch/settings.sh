# settings.sh: the fastest PyTorch set-up found on this project's machine (2 shared vCPUs, Debian's
# python3-torch 1.13 with OpenBLAS 0.3.21 and oneDNN 2.6), sourced by benchmarks/compare-pytorch.sh and
# benchmarks/compare-pytorch-train.sh. See fgsm_pytorch.py's docstring for what was tried.
#
# All models: jemalloc that never hands freed memory back to the kernel (MALLOC_CONF below; with
# jemalloc's default decay every large tensor, such as the CNN's 25 MB activations at batch 256, comes
# back as fresh pages, one fault per 4 KiB, 60x slower than the kernel's work on it here), OpenBLAS's
# AVX-512 kernels (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset).
# Also: one intra-op thread (two lost at every batch and in training, 3-60x with OpenMP's
# spinning workers, 5-20% with OMP_WAIT_POLICY=PASSIVE), oneDNN (torch.backends.mkldnn) on.
# softmax, mlp: OpenBLAS with 2 threads; cnn: OpenBLAS with 1 thread (2 helped nothing).
# Overrides, for experiments: TORCH_THREADS, TORCH_BLAS_THREADS, TORCH_WAIT_POLICY (ACTIVE, PASSIVE or
# "default"), TORCH_MKLDNN (on, off).

torch_python=/usr/bin/python3
torch_jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2

# torch_check: exits with a message unless PyTorch imports.
torch_check() {
    if ! "$torch_python" -c 'import torch' 2>/dev/null; then
        echo "$(basename "$0"): needs PyTorch: sudo apt-get install python3-torch libopenblas0-pthread libjemalloc2" >&2
        exit 2
    fi
}

# torch_run MODEL BATCH SCRIPT [ARGS...]: runs SCRIPT (fgsm_pytorch.py, train_pytorch.py) with the
# set-up for MODEL at BATCH (the same at every batch for now), adding --threads and --mkldnn to ARGS.
torch_run() {
    local model=$1 batch=$2
    shift 2
    local threads=1 blas=2 wait=default
    [ "$model" = cnn ] && blas=1
    threads=${TORCH_THREADS:-$threads}
    blas=${TORCH_BLAS_THREADS:-$blas}
    wait=${TORCH_WAIT_POLICY:-$wait}
    local preload=""
    [ -f "$torch_jemalloc" ] && preload=$torch_jemalloc
    local policy=(-u OMP_WAIT_POLICY)
    [ "$wait" = default ] || policy=(OMP_WAIT_POLICY="$wait")
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "${policy[@]}" LD_PRELOAD="$preload" \
        MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 OPENBLAS_NUM_THREADS="$blas" \
        "$torch_python" "$@" --threads "$threads" --mkldnn "${TORCH_MKLDNN:-on}"
}
