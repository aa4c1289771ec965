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
# -Xptxas=-v reports per kernel (registers, shared memory, spills) appear here, in the build log
cmake --build "$build_dir" --parallel "$(nproc 2>/dev/null || echo 2)"
