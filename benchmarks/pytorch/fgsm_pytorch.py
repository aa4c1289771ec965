"""PyTorch's FGSM on the benchmarks' models, the baseline of gradsign's CPU figures.

One step is what gradsign's FgsmBenchmark times: forward, softmax cross-entropy, the gradient at the
input only (the parameters need no gradient), x' = clamp(x + eps * sign(g), 0, 1). Timed as JMH times
gradsign: --warmups iterations of --seconds, then --iterations measured ones; prints one line with
the model, the batch, and the measured iterations' mean and best, in images per second.
--images uniform attacks one batch of pixels uniform in [0, 1] again and again; --images fashion copies
the next batch of the Fashion-MNIST test images shipped in gradsign's jar into the same tensors before
each step, as FgsmBenchmark -p images=fashion does (PyTorch's dense step does the same work whatever
the pixels; the copy is what differs).
Run by benchmarks/compare-pytorch.sh; needs Debian's python3-torch.
"""
import argparse
import gzip
import pathlib
import time

import torch
import torch.nn.functional as F


def model(name):
    if name == "softmax":
        layers = [torch.nn.Linear(784, 10)]
    else:
        layers = [torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                  torch.nn.Linear(512, 10)]
    net = torch.nn.Sequential(*layers)
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def fgsm(net, x, y, eps):
    x = x.clone().requires_grad_(True)
    loss = F.cross_entropy(net(x), y)
    (grad,) = torch.autograd.grad(loss, x)
    return (x + eps * grad.sign()).clamp(0, 1).detach()


SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "java/src/main/resources/io/gradsign/data/fashion-mnist-sample"


def fashion_test():
    """The sample's test images in [0, 1] (count, 784) and labels, from its IDX files."""
    images = gzip.open(SAMPLE / "t10k-images-idx3-ubyte.gz").read()
    labels = gzip.open(SAMPLE / "t10k-labels-idx1-ubyte.gz").read()
    count = int.from_bytes(images[4:8], "big")
    pixels = torch.frombuffer(bytearray(images[16:16 + count * 784]), dtype=torch.uint8)
    return pixels.reshape(count, 784).float() / 255, torch.frombuffer(bytearray(labels[8:8 + count]),
                                                                      dtype=torch.uint8).long()


class Batches:
    """x and y, refilled with the next batch of a pool before each step (or left as they are, without one)."""

    def __init__(self, x, y, pool=None):
        self.x, self.y, self.pool, self.next = x, y, pool, 0

    def step(self):
        if self.pool is not None:
            images, labels = self.pool
            for n in range(self.x.shape[0]):
                self.x[n].copy_(images[self.next])
                self.y[n] = labels[self.next]
                self.next = (self.next + 1) % images.shape[0]
        return self.x, self.y


def rate(net, batches, seconds):
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        x, y = batches.step()
        fgsm(net, x, y, 0.1)
        steps += 1
    return steps * batches.x.shape[0] / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["softmax", "mlp"], default="mlp")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--images", choices=["uniform", "fashion"], default="uniform")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = model(args.model)
    generator = torch.Generator().manual_seed(2)
    x = torch.rand(args.batch, 784, generator=generator)
    y = torch.randint(0, 10, (args.batch,), generator=generator)
    batches = Batches(x, y, fashion_test() if args.images == "fashion" else None)
    for _ in range(args.warmups):
        rate(net, batches, args.seconds)
    rates = [rate(net, batches, args.seconds) for _ in range(args.iterations)]
    print(f"pytorch {torch.__version__} {args.model} batch {args.batch} threads {torch.get_num_threads()} "
          f"images {args.images}: mean {sum(rates) / len(rates):.0f} best {max(rates):.0f} images/s")


if __name__ == "__main__":
    main()
