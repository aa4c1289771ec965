"""PyTorch's training epoch on the benchmarks' models, the baseline of gradsign's TrainingBenchmark.

One epoch: the --images training images in a fresh random order, in batches of --batch (the last one
smaller when the batch does not divide the images), each batch gathered from the pool, forward, softmax
cross-entropy (mean over the batch), backward, SGD with lr 0.05 and momentum 0.9 (torch.optim.SGD).
One warm-up epoch, then --epochs measured ones; prints one line:
`model <m> batch <b> images <n> epoch seconds mean <s> best <s>, images/s mean <r> best <r>` followed by
the data and thread settings in parentheses.

Models: cnn (conv 1->32 3x3 pad 1, ReLU, max-pool 2, conv 32->64 3x3 pad 1, ReLU, max-pool 2, dense
3136->128, ReLU, dense 128->10; input (N, 1, 28, 28)), mlp (784-512-512-10, ReLU) and softmax (784->10).
Images: Fashion-MNIST's training images from Debian's dataset-fashion-mnist
(/usr/share/datasets/fashion-mnist) if present, else the 2000-image sample shipped in gradsign's jar
(repeated to fill --images), else pixels uniform in [0, 1] with uniform labels; --data forces one.
--threads and --mkldnn as in fgsm_pytorch.py, whose docstring says what was tried; the set-up found fastest
(benchmarks/pytorch/settings.sh) holds for the CNN epoch too: one intra-op thread, mkldnn on, jemalloc
with the decay off (2 passive OpenMP threads: 10-20% slower; mkldnn off: 1.4-2.5x slower).
Run by benchmarks/compare-pytorch-train.sh; needs Debian's python3-torch.
"""
import argparse
import gzip
import pathlib
import time

import torch
import torch.nn.functional as F

from fgsm_pytorch import SAMPLE, input_shape, layers

DEBIAN = pathlib.Path("/usr/share/datasets/fashion-mnist")


def model(name):
    """The model with PyTorch's default initialisation, every parameter trained."""
    return torch.nn.Sequential(*layers(name))


def idx_training_set(folder):
    """A folder's training images in [0, 1] (count, 784) and labels, from its gzipped IDX files."""
    images = gzip.open(folder / "train-images-idx3-ubyte.gz").read()
    labels = gzip.open(folder / "train-labels-idx1-ubyte.gz").read()
    count = int.from_bytes(images[4:8], "big")
    pixels = torch.frombuffer(bytearray(images[16:16 + count * 784]), dtype=torch.uint8)
    return pixels.reshape(count, 784).float() / 255, torch.frombuffer(bytearray(labels[8:8 + count]),
                                                                      dtype=torch.uint8).long()


def training_set(source, count):
    """count images (count, 784) and labels, and the name of where they came from."""
    if source == "auto":
        if (DEBIAN / "train-images-idx3-ubyte.gz").exists():
            source = "fashion"
        elif (SAMPLE / "train-images-idx3-ubyte.gz").exists():
            source = "sample"
        else:
            source = "uniform"
    if source == "uniform":
        generator = torch.Generator().manual_seed(5)
        return torch.rand(count, 784, generator=generator), torch.randint(0, 10, (count,), generator=generator), source
    images, labels = idx_training_set(DEBIAN if source == "fashion" else SAMPLE)
    repeats = -(-count // images.shape[0])
    return images.repeat(repeats, 1)[:count].contiguous(), labels.repeat(repeats)[:count].contiguous(), source


def epoch(net, optimizer, images, labels, batch, shape, generator):
    start = time.perf_counter()
    order = torch.randperm(images.shape[0], generator=generator)
    for first in range(0, images.shape[0], batch):
        chosen = order[first:first + batch]
        x = images.index_select(0, chosen).view(shape(chosen.shape[0]))
        y = labels.index_select(0, chosen)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        optimizer.step()
    loss.item()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["softmax", "mlp", "cnn"], default="cnn")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data", choices=["auto", "fashion", "sample", "uniform"], default="auto")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--mkldnn", choices=["on", "off"], default="on")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = args.mkldnn == "on"
    torch.manual_seed(1)
    net = model(args.model)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    images, labels, source = training_set(args.data, args.images)
    generator = torch.Generator().manual_seed(4)
    def shape(n):
        return input_shape(args.model, n)
    epoch(net, optimizer, images, labels, args.batch, shape, generator)
    seconds = [epoch(net, optimizer, images, labels, args.batch, shape, generator) for _ in range(args.epochs)]
    mean = sum(seconds) / len(seconds)
    print(f"model {args.model} batch {args.batch} images {args.images} epoch seconds mean {mean:.3f} "
          f"best {min(seconds):.3f}, images/s mean {args.images / mean:.0f} best {args.images / min(seconds):.0f} "
          f"(pytorch {torch.__version__}, data {source}, threads {torch.get_num_threads()}, mkldnn {args.mkldnn})")


if __name__ == "__main__":
    main()
