#!/usr/bin/env bash
# make-fashion-mnist-sample.sh: cuts the small Fashion-MNIST sample that ships in the jar (the first
# 2000 training and first 1000 test items, gzipped IDX) from the full data set, e.g. Debian's
# dataset-fashion-mnist. Needs only bash, coreutils and gzip. Output is reproducible (gzip -n: no name
# or time stamp in the header).
#   usage: data/make-fashion-mnist-sample.sh [source-dir] [output-dir] [train-count] [test-count]
#   (relative directories are taken from the repository root)
# no pipefail: head closes its pipe early on purpose; the sizes are checked at the end instead
set -eu
cd "$(dirname "$0")/.."

source_dir=${1:-/usr/share/datasets/fashion-mnist}
output_dir=${2:-java/src/main/resources/io/gradsign/data/fashion-mnist-sample}
train_count=${3:-2000}
test_count=${4:-1000}

# prints a big-endian int32 (IDX stores its dimensions that way)
int32() {
  printf "\\$(printf '%03o' $(( ($1 >> 24) & 255 )))\\$(printf '%03o' $(( ($1 >> 16) & 255 )))"
  printf "\\$(printf '%03o' $(( ($1 >> 8) & 255 )))\\$(printf '%03o' $(( $1 & 255 )))"
}

# reads a source file, plain or gzipped
source_stream() {
  if [ -f "$source_dir/$1" ]; then
    cat "$source_dir/$1"
  elif [ -f "$source_dir/$1.gz" ]; then
    gzip -dc "$source_dir/$1.gz"
  else
    echo "make-fashion-mnist-sample: neither $source_dir/$1 nor $1.gz exists" >&2
    exit 1
  fi
}

# images: magic 00 00 08 03, then count, rows, cols; the first count*rows*cols pixels follow the 16-byte header
cut_images() {
  local name=$1 count=$2
  local rows=28 cols=28
  {
    printf '\000\000\010\003'
    int32 "$count"; int32 "$rows"; int32 "$cols"
    source_stream "$name" | tail -c +17 | head -c $(( count * rows * cols ))
  } | gzip -9 -n > "$output_dir/$name.gz"
}

# labels: magic 00 00 08 01, then count; the first count labels follow the 8-byte header
cut_labels() {
  local name=$1 count=$2
  {
    printf '\000\000\010\001'
    int32 "$count"
    source_stream "$name" | tail -c +9 | head -c "$count"
  } | gzip -9 -n > "$output_dir/$name.gz"
}

# the source must be 28x28 Fashion-MNIST: check the image header before cutting
header=$(source_stream train-images-idx3-ubyte | head -c 16 | od -An -tx1 | tr -d ' \n')
if [ "${header:0:8}" != 00000803 ] || [ "${header:24:8}" != 0000001c ] || [ "${header:16:8}" != 0000001c ]; then
  echo "make-fashion-mnist-sample: $source_dir/train-images-idx3-ubyte is not 28x28 unsigned-byte IDX (header $header)" >&2
  exit 1
fi

mkdir -p "$output_dir"
cut_images train-images-idx3-ubyte "$train_count"
cut_labels train-labels-idx1-ubyte "$train_count"
cut_images t10k-images-idx3-ubyte "$test_count"
cut_labels t10k-labels-idx1-ubyte "$test_count"
# every output holds exactly its header plus the items asked for (a short source would give less)
check_size() {
  local actual
  actual=$(gzip -dc "$output_dir/$1.gz" | wc -c)
  if [ "$actual" -ne "$2" ]; then
    echo "make-fashion-mnist-sample: $1.gz holds $actual bytes, expected $2 (is the source shorter?)" >&2
    exit 1
  fi
}
check_size train-images-idx3-ubyte $(( 16 + train_count * 784 ))
check_size train-labels-idx1-ubyte $(( 8 + train_count ))
check_size t10k-images-idx3-ubyte $(( 16 + test_count * 784 ))
check_size t10k-labels-idx1-ubyte $(( 8 + test_count ))
ls -l "$output_dir"
