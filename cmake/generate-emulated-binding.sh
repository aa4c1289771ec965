#!/usr/bin/env bash
# generate-emulated-binding.sh SOURCE TARGET: writes the JavaCPP binding of libgradsign_emu from that of
# libgradsign. The two declare the same C API, but a JNI function's name holds its class's name, so
# each library needs a class of its own; this keeps one declaration to edit (GradsignCuda.java).
set -euo pipefail
source=$1
target=$2
mkdir -p "$(dirname "$target")"
sed -e 's/^ \* Bindings to libgradsign, the C API over the real CUDA runtime (statically linked)\./ * Bindings to libgradsign_emu, generated at build time from GradsignCuda.java (cmake\/generate-emulated-binding.sh): the same C API and kernel sources, built against the CPU emulation of CUDA./' \
    -e 's/link = "gradsign")/link = "gradsign_emu")/' \
    -e 's/\bGradsignCuda\b/GradsignCudaEmulated/g' \
    "$source" > "$target.tmp"
grep -q 'link = "gradsign_emu"' "$target.tmp" && grep -q 'class GradsignCudaEmulated' "$target.tmp" \
    || { echo "generate-emulated-binding.sh: $source no longer has the form this script rewrites" >&2; exit 1; }
# rewrite only on change, so the compiler sees no new source when nothing changed
if ! cmp -s "$target.tmp" "$target" 2>/dev/null; then mv "$target.tmp" "$target"; else rm "$target.tmp"; fi
