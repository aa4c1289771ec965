"""PyTorch's FGSM on the benchmarks' models, the baseline of gradsign's CPU figures.

One step is what gradsign's FgsmBenchmark times: forward, softmax cross-entropy, the gradient at the
input only (the parameters need no gradient), x' = clamp(x + eps * sign(g), 0, 1). Timed as JMH times
gradsign: --warmups iterations of --seconds, then --iterations measured ones; prints one line with
the model, the batch, and the measured iterations' mean and best, in images per second.
--images uniform attacks one batch of pixels uniform in [0, 1] again and again; --images fashion copies
the next batch of the Fashion-MNIST test images shipped in gradsign's jar into the same tensors before
each step, as FgsmBenchmark -p images=fashion does (PyTorch's dense step does the same work whatever
the pixels; the copy is what differs).
Models: softmax (784->10), mlp (784-512-512-10, ReLU), cnn (conv 1->32 3x3 pad 1, ReLU, max-pool 2,
conv 32->64 3x3 pad 1, ReLU, max-pool 2, flatten, dense 3136->128, ReLU, dense 128->10; input (N, 1, 28,
28)). --threads: torch.set_num_threads; --mkldnn: torch.backends.mkldnn.enabled (oneDNN's convolutions,
else PyTorch's own im2col and OpenBLAS's sgemm).
Run by benchmarks/compare-pytorch.sh with the set-up of benchmarks/pytorch/settings.sh; needs Debian's
python3-torch.

Set-ups tried for the CNN (2026-12-03, this 2-vCPU VM, other developers' builds running beside it at
load 2-7 throughout, so within-hour noise was 2x; 2 interleaved rounds each, images/s):
- Memory first: with jemalloc's default decay every tensor of several MB (the CNN's activations at
  batch 64 and above) comes back as fresh pages; a ReLU over 256x32x28x28 took 78 ms instead of 1.3 ms.
  MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 (jemalloc keeps freed memory) removes that, 2-10x on
  the whole step at batch 64-1024 (runs of different load); oversize_threshold:0 alone does not. Every figure below
  has it.
- Intra-op threads 1 or 2 x OPENBLAS_NUM_THREADS 1 or 2 x mkldnn on or off, at batch 1, 64, 256, 1024.
  Two intra-op threads with OpenMP's default spinning workers lost 3-60x whenever anything else ran
  (batch 1: 12-50 against 740-2500 with one thread; batch 64 at load 0.7: 252 against 2990), and won
  once, in one quieter minute of the loaded hour (batch 64: 5000 against 2900). OMP_WAIT_POLICY=PASSIVE
  keeps two threads from collapsing but they did not beat one: at load 0.6-2.4, batch 64 2680 against
  2990, 256 2690 against 2800, 1024 2520 against 2690; at load 5-7 they were 0.9-1.4x one thread.
  Two OpenBLAS threads (the dense layers', and im2col's sgemm with mkldnn off) beside one intra-op
  thread helped nothing (batch 1: 660-1810 against 2180-2530). oneDNN on was as fast as off or
  faster in most pairs (off: im2col + sgemm).
- Chosen (benchmarks/pytorch/settings.sh): one intra-op thread, OpenBLAS 1 thread, mkldnn on, jemalloc
  with the decay off, OpenBLAS's AVX-512 kernels, at every batch (train_pytorch.py's CNN epoch too:
  one thread 2900-3190 images/s against 2420-2800 with two passive ones).
"""
import argparse
import gzip
import pathlib
import time

import torch
import torch.nn.functional as F


def layers(name):
    """The benchmarks' models as PyTorch layers: softmax regression, the MLP 784-512-512-10, the CNN."""
    if name == "softmax":
        stack = [torch.nn.Linear(784, 10)]
    elif name == "cnn":
        stack = [torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                  torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                  torch.nn.Linear(3136, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)]
    else:
        stack = [torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                  torch.nn.Linear(512, 10)]
    return stack


def model(name):
    """The model with its parameters frozen: FGSM needs the gradient at the input alone."""
    net = torch.nn.Sequential(*layers(name))
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def input_shape(name, batch):
    """The shape of a batch of images: (N, 1, 28, 28) for the CNN, (N, 784) for the dense models."""
    return (batch, 1, 28, 28) if name == "cnn" else (batch, 784)


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
        # the next batch in two copies, as FgsmBenchmark's System.arraycopy per image: a Python loop over
        # the rows (a copy_ and a label's assignment each, a few microseconds) capped softmax regression at
        # batch 256 near 200 k images/s, the loop and not the step
        if self.pool is not None:
            images, labels = self.pool
            count = self.x.shape[0]
            index = (self.next + torch.arange(count)) % images.shape[0]
            torch.index_select(images, 0, index, out=self.x.view(count, -1))
            torch.index_select(labels, 0, index, out=self.y)
            self.next = (self.next + count) % images.shape[0]
        return self.x, self.y


def rate(net, batches, seconds, steps=1):
    """Images/s over about `seconds`: each image goes through `steps` sign steps, each from the previous
    x' and clipped to [0, 1], not projected (gradsign's iterated sign step, FgsmBenchmark's steps)."""
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        x, y = batches.step()
        for _ in range(steps):
            x = fgsm(net, x, y, 0.1)
        done += 1
    return done * batches.x.shape[0] / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["softmax", "mlp", "cnn"], default="mlp")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument("--images", choices=["uniform", "fashion"], default="uniform")
    parser.add_argument("--mkldnn", choices=["on", "off"], default="on")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = args.mkldnn == "on"
    torch.manual_seed(1)
    net = model(args.model)
    generator = torch.Generator().manual_seed(2)
    x = torch.rand(input_shape(args.model, args.batch), generator=generator)
    y = torch.randint(0, 10, (args.batch,), generator=generator)
    batches = Batches(x, y, fashion_test() if args.images == "fashion" else None)
    for _ in range(args.warmups):
        rate(net, batches, args.seconds, args.steps)
    rates = [rate(net, batches, args.seconds, args.steps) for _ in range(args.iterations)]
    print(f"pytorch {torch.__version__} {args.model} batch {args.batch} threads {torch.get_num_threads()} "
          f"images {args.images} steps {args.steps}: mean {sum(rates) / len(rates):.0f} best {max(rates):.0f} images/s")


if __name__ == "__main__":
    main()
