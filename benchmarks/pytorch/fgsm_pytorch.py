"""PyTorch's FGSM on the benchmarks' models, the baseline of gradsign's CPU figures.

One step is what gradsign's FgsmBenchmark times: forward, softmax cross-entropy, the gradient at the
input only (the parameters need no gradient), x' = clamp(x + eps * sign(g), 0, 1). Timed as JMH times
gradsign: --warmups iterations of --seconds, then --iterations measured ones; prints one line with
the model, the batch, and the measured iterations' mean and best, in images per second.
Run by benchmarks/compare-pytorch.sh; needs Debian's python3-torch.
"""
import argparse
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


def rate(net, x, y, seconds):
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        fgsm(net, x, y, 0.1)
        steps += 1
    return steps * x.shape[0] / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["softmax", "mlp"], default="mlp")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = model(args.model)
    generator = torch.Generator().manual_seed(2)
    x = torch.rand(args.batch, 784, generator=generator)
    y = torch.randint(0, 10, (args.batch,), generator=generator)
    for _ in range(args.warmups):
        rate(net, x, y, args.seconds)
    rates = [rate(net, x, y, args.seconds) for _ in range(args.iterations)]
    print(f"pytorch {torch.__version__} {args.model} batch {args.batch} threads {torch.get_num_threads()}: "
          f"mean {sum(rates) / len(rates):.0f} best {max(rates):.0f} images/s")


if __name__ == "__main__":
    main()
