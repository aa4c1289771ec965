#!/usr/bin/env bash
# gpu-java-bundle.sh: packs what the Java tests need into target/gpu-java.tar.xz (under 64 MiB) for a
# GPU machine with no Java or Maven of its own, where cmake/gpu-check.sh unpacks and runs it: a
# runtime cut down by jlink, the built classes and test classes (their JNI libraries included, the
# CUDA one built by this machine's nvcc for its architectures), the test dependencies and JUnit's
# console launcher. Run from the repository root after `mvn -B -DskipTests package`.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=target/gpu-java
# JUnit 5.x.y's console launcher is platform 1.x.y
junit_version=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | head -n 1)
platform=1.${junit_version#5.}
rm -rf "$bundle" "$bundle.tar.xz"
mkdir -p "$bundle"
(cd java && mvn -B -q dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$PWD/../$bundle/lib")
# the console launcher brings its own JUnit
rm -f "$bundle"/lib/junit-* "$bundle"/lib/opentest4j-* "$bundle"/lib/apiguardian-*
mvn -B -q dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform" \
    -DoutputDirectory="$bundle"
jlink --add-modules java.base,java.logging,java.xml,jdk.unsupported,java.management,jdk.management --strip-debug \
    --no-man-pages --no-header-files --compress=2 --output "$bundle/jre"
cp -r java/target/classes "$bundle/classes"
cp -r java/target/test-classes "$bundle/test-classes"
tar -cJf "$bundle.tar.xz" -C target gpu-java
ls -l "$bundle.tar.xz"
