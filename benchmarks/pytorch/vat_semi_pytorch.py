"""An independent check of gradsign's semi-supervised VAT experiment (benchmarks/experiments/semi-supervised.sh)
in PyTorch: the same protocol, written from the paper (Miyato et al. 2018), not from gradsign's code.

n labelled Fashion-MNIST training images (n/10 per class, chosen by --seed), the rest without labels; an MLP
784-128-10 (ReLU); SGD with momentum 0.9, learning rate --lr on a cosine schedule; each step 32 labelled
images (drawn with replacement) and 128 unlabelled ones, an epoch one pass over the unlabelled images.
--objective labelled-only: CE on the labelled batch. vat: CE + KL(p(x) || p(x + r_adv)) on the labelled
and unlabelled images together, p(x) detached, r_adv = eps g/||g||_2 with g the gradient of the KL at
x + xi d (d a random unit direction per image, one power iteration), not clipped; --xi defaults to the
paper's 1e-6, docs/TRAINING.md's comparison uses gradsign's 0.01. Prints the test accuracy on the 10000
test images after the last epoch.

--init glorot starts from gradsign's initialisation instead of PyTorch's.

usage: python3 benchmarks/pytorch/vat_semi_pytorch.py --objective vat --labels 100 --epochs 10 --eps 0.5 --xi 0.01 --seed 1
"""
import argparse
import gzip
import math

import numpy as np
import torch
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def idx(name, offset):
    with gzip.open(f"{DATA}/{name}", "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--objective", choices=["labelled-only", "vat"], default="vat")
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--eps", type=float, default=2.0)
    parser.add_argument("--xi", type=float, default=1e-6)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--init", choices=["pytorch", "glorot"], default="pytorch",
                        help="PyTorch's default initialisation (weights and biases uniform in +-1/sqrt(fan_in)) or"
                             " gradsign's (Glorot uniform weights, zero biases)")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = torch.tensor(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784), dtype=torch.float32) / 255
    y = torch.tensor(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
    xt = torch.tensor(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784), dtype=torch.float32) / 255
    yt = torch.tensor(idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
    labelled = np.concatenate([rng.permutation(np.flatnonzero(y.numpy() == c))[: args.labels // 10] for c in range(10)])
    unlabelled = np.setdiff1d(np.arange(len(y)), labelled)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    if args.init == "glorot":
        for layer in (model[0], model[2]):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    steps_per_epoch = len(unlabelled) // 128
    total = steps_per_epoch * args.epochs
    step = 0
    for _ in range(args.epochs):
        order = rng.permutation(unlabelled)
        for s in range(steps_per_epoch):
            for group in optimizer.param_groups:
                group["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * step / total))
            li = rng.choice(labelled, 32)
            xl, yl = x[li], y[li]
            loss = F.cross_entropy(model(xl), yl)
            if args.objective == "vat":
                xa = torch.cat([xl, x[order[s * 128:(s + 1) * 128]]])
                with torch.no_grad():
                    p = F.softmax(model(xa), dim=1)
                d = torch.randn_like(xa)
                d = args.xi * d / d.norm(dim=1, keepdim=True)
                d.requires_grad_(True)
                kl = F.kl_div(F.log_softmax(model(xa + d), dim=1), p, reduction="batchmean")
                g, = torch.autograd.grad(kl, d)
                r = args.eps * g / (g.norm(dim=1, keepdim=True) + 1e-12)
                loss = loss + F.kl_div(F.log_softmax(model(xa + r.detach()), dim=1), p, reduction="batchmean")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
    with torch.no_grad():
        accuracy = (model(xt).argmax(1) == yt).float().mean().item() * 100
    print(f"{args.objective} labels {args.labels} epochs {args.epochs} eps {args.eps} seed {args.seed}: "
          f"test accuracy {accuracy:.2f}%")


if __name__ == "__main__":
    main()
