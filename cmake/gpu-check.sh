#!/usr/bin/env bash
# gpu-check.sh: on a machine with an NVIDIA GPU, build libgradsign for that GPU and check the real
# CUDA results against the CPU reference. Run from the repository root: bash cmake/gpu-check.sh
#
#  1. CMake + nvcc for the GPU present (architecture "native"), printing each kernel's registers,
#     shared memory and spills (-Xptxas=-v) in the build log;
#  2. ctest: every kernel through the C API on the real GPU against a host reference (the
#     *_test_cuda programs), and the emulation's tests; then each *_test_cuda under
#     compute-sanitizer (memcheck, memory accesses) when it is installed;
#  3. where java and mvn are present: the whole Java test suite, whose CUDA tests then run on the GPU
#     instead of being skipped; where they are not, the bundle of cmake/gpu-java-bundle.sh if it was
#     carried here (target/gpu-java.tar.xz); any test still skipped for want of a GPU fails this check.
#  (between 2 and 3, native/tools/step_timing prints one FGSM step's time per operation at batch 1 and 64,
#  and native/tools/conv_timing each convolution and pooling kernel of the shipped CNN at batch 1, 64
#  and 256, with the GFLOP/s of each convolution)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${GRADSIGN_GPU_BUILD:-target/gpu-check}
architectures=${GRADSIGN_CUDA_ARCHITECTURES:-native}

command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
bash cmake/build-native.sh "$PWD/native" "$build" ON "$architectures"

ctest --test-dir "$build" --output-on-failure
# the real-GPU tests skip (exit 77) without a device; here that is a failure
for test in "$build"/*_test_cuda; do
  "$test" >/dev/null || { echo "gpu-check: $(basename "$test") did not pass on the GPU"; exit 1; }
  if command -v compute-sanitizer >/dev/null 2>&1; then
    # API errors are the tests' own business (each checks every status, and one asks for an allocation
    # the device must refuse); memcheck is here for the kernels' memory accesses
    compute-sanitizer --tool memcheck --report-api-errors no --error-exitcode 1 "$test" >/dev/null \
      || { echo "gpu-check: compute-sanitizer found errors in $(basename "$test")"; exit 1; }
  fi
done

# where one step's time goes, per operation, and the rate of each kernel of the CNN (diagnostics;
# conv_timing stops where a kernel left its output all zero or not finite)
for batch in 1 64; do "$build"/step_timing_cuda "$batch" 2000; done
"$build"/conv_timing_cuda 500 1 64 256

if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
  mvn -B verify "-Dgradsign.cuda.architectures=$architectures"
  if grep -l 'Assumption failed: skipped, needs a real GPU' java/target/surefire-reports/TEST-*.xml 2>/dev/null; then
    echo "gpu-check: tests were skipped for want of a GPU on a GPU machine"
    exit 1
  fi
elif [ -f target/gpu-java.tar.xz ]; then
  # no Java here: the bundle cmake/gpu-java-bundle.sh made on a machine with Java (its classes, and the
  # CUDA library in them, built there); every test but the command-line ones, which need java.desktop
  rm -rf target/gpu-java && tar -xJf target/gpu-java.tar.xz -C target
  classpath=target/gpu-java/classes:target/gpu-java/test-classes:$(ls target/gpu-java/lib/*.jar | tr '\n' ':')
  report=target/gpu-java/junit.log
  target/gpu-java/jre/bin/java -jar target/gpu-java/junit-platform-console-standalone-*.jar execute \
      -cp "$classpath" --select-package io.gradsign --exclude-classname '.*MainTest' --details tree \
      --details-theme ascii --disable-banner --disable-ansi-colors > "$report" 2>&1 \
    || { tail -n 40 "$report"; echo "gpu-check: Java tests failed on the GPU (all of it in $report)"; exit 1; }
  tail -n 12 "$report"
  if grep -q 'needs a real GPU' "$report"; then
    echo "gpu-check: tests were skipped for want of a GPU on a GPU machine"
    exit 1
  fi
else
  echo "gpu-check: neither java and mvn nor target/gpu-java.tar.xz here: the Java tests on the GPU were not run (the native ones were)"
fi
echo "gpu-check: passed"
