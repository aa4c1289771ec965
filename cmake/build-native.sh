#!/usr/bin/env bash
# build-native.sh: configure and build native/ with CMake; Maven calls it in `initialize`.
# usage: build-native.sh <native source dir> <build dir> <ON|OFF: CUDA> <CUDA architectures>
set -euo pipefail
source_dir=$1
build_dir=$2
cuda=${3:-ON}
architectures=${4:-"80-real;90-real;90-virtual"}

# nvcc sits outside PATH on many machines
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi

cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
  -DGRADSIGN_CUDA="$cuda" "-DGRADSIGN_CUDA_ARCHITECTURES=$architectures"
# ptxas's report of every kernel compiled (-Xptxas=-v: registers, shared memory, spills) goes to a log
# file, hundreds of lines that would bury the build's output; errors and warnings of ptxas stay here.
# Each build appends its kernels under a header: a kernel's latest report is its last in the file.
report="$build_dir/ptxas-resource-usage.log"
cmake --build "$build_dir" --parallel "$(nproc 2>/dev/null || echo 2)" 2>&1 |
  awk -v report="$report" -v started="$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
    /^ptxas info/ || /^ +[0-9]+ bytes stack frame, [0-9]+ bytes spill stores/ {
      if (lines == 0) { print "# build of " started >> report }
      print >> report; lines++
      next
    }
    { print; fflush() }
    END { if (lines > 0) print "ptxas: the kernels\x27 registers, shared memory and spills are in " report }'
