"""PyTorch's epoch of adversarial training and of virtual adversarial training on the benchmarks' models,
the baseline of gradsign's AdversarialTrainingBenchmark.

One epoch as train_pytorch.py's: the --images training images in a fresh random order, in batches of
--batch (the last one smaller when the batch does not divide the images), each batch gathered from the
pool, then the --objective's step, then SGD with lr 0.05 and momentum 0.9 (torch.optim.SGD). One warm-up
epoch, then --epochs measured ones; prints one line:
`model <m> objective <o> batch <b> images <n> epoch seconds mean <s> best <s>, images/s mean <r> best <r>`
followed by the data, thread and objective settings in parentheses.

Objectives (eager PyTorch, each written the fastest straightforward way; CE: softmax cross-entropy, mean
over the batch; KL(p || q) with p the softmax of the clean logits; eps: --epsilon, L-infinity, pixels
kept in [0, 1]):
- standard: CE(f(x), y).
- fgsm-at (Goodfellow et al. 2014): one clean forward with x requiring a gradient; g = the gradient of
  CE at x (autograd.grad, keeping the graph); x' = clamp(x + eps sign(g), 0, 1); loss =
  alpha CE(f(x), y) + (1 - alpha) CE(f(x'), y), reusing the clean forward (a second forward on x'
  alone); backward to the parameters alone (backward(inputs=...): no gradient at x).
- pgd-at (Madry et al. 2018): x' uniform in the eps-ball around x, clamped to [0, 1]; --steps steps
  x' <- clamp(min(max(x' + a sign(g), x - eps), x + eps), 0, 1), a = 2.5 eps / steps, g the gradient
  of CE at x' with respect to x' alone (autograd.grad: the parameters' gradients neither computed nor
  accumulated); then CE(f(x'), y).
- fast-at (Wong et al. 2020, "fast is better than free"): delta uniform in [-eps, eps], x + delta
  clamped to [0, 1]; one gradient g at x + delta; delta <- clamp(delta + 1.25 eps sign(g), -eps, eps),
  x + delta clamped to [0, 1]; then CE(f(x + delta), y).
- trades (Zhang et al. 2019): p = softmax(f(x)), detached; x' = x + 0.001 N(0, 1); --steps steps of
  sign-gradient ascent on KL(p || softmax(f(x'))) (kl_div, sum over the batch), step a = 2.5 eps /
  steps, projected to the eps-ball and [0, 1]; then loss = CE(f(x), y) + beta KL(softmax(f(x)) ||
  softmax(f(x'))) (batchmean, the gradient through both sides). The clean forward is made once, before
  the attack, and serves both p (detached) and the loss: the parameters do not change in between.
- vat (Miyato et al. 2018): every image labelled; logits = f(x), p = softmax(logits) detached; d ~
  N(0, 1), normalised to unit L2 per image; --power-iterations times: g = the gradient with respect to
  d alone of KL(p || softmax(f(x + xi d))) (batchmean), d <- g normalised per image; r = vat-epsilon d;
  loss = CE(logits, y) + KL(p || softmax(f(x + r))) (batchmean). r is not clamped to [0, 1] (the paper's
  L2 perturbation, as in its code).
Randomness (order, starts, noise) from torch.Generators seeded the same every run.

Models and images as train_pytorch.py (--model mlp or cnn, --data); --threads and --mkldnn as
fgsm_pytorch.py, run with the set-up of benchmarks/pytorch/settings.sh by
benchmarks/compare-pytorch-adv-train.sh; needs Debian's python3-torch.
"""
import argparse
import time

import torch
import torch.nn.functional as F

from fgsm_pytorch import input_shape, layers
from train_pytorch import training_set

OBJECTIVES = ["standard", "fgsm-at", "pgd-at", "fast-at", "trades", "vat"]


def model(name):
    """The model with PyTorch's default initialisation, every parameter trained."""
    return torch.nn.Sequential(*layers(name))


def standard(net, params, x, y, args, generator):
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    return loss


def fgsm_at(net, params, x, y, args, generator):
    x = x.requires_grad_(True)
    clean = F.cross_entropy(net(x), y)
    (grad,) = torch.autograd.grad(clean, x, retain_graph=True)
    with torch.no_grad():
        adversarial = (x + args.epsilon * grad.sign()).clamp_(0, 1)
    loss = args.alpha * clean + (1 - args.alpha) * F.cross_entropy(net(adversarial), y)
    loss.backward(inputs=params)
    return loss


def pgd_at(net, params, x, y, args, generator):
    eps, step = args.epsilon, 2.5 * args.epsilon / args.steps
    with torch.no_grad():
        low, high = x - eps, x + eps
        adversarial = (x + torch.empty_like(x).uniform_(-eps, eps, generator=generator)).clamp_(0, 1)
    for _ in range(args.steps):
        adversarial.requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(net(adversarial), y), adversarial)
        with torch.no_grad():
            adversarial = torch.min(torch.max(adversarial + step * grad.sign(), low), high).clamp_(0, 1)
    loss = F.cross_entropy(net(adversarial), y)
    loss.backward()
    return loss


def fast_at(net, params, x, y, args, generator):
    eps = args.epsilon
    with torch.no_grad():
        delta = ((x + torch.empty_like(x).uniform_(-eps, eps, generator=generator)).clamp_(0, 1) - x)
    delta.requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(net(x + delta), y), delta)
    with torch.no_grad():
        delta = (delta + 1.25 * eps * grad.sign()).clamp_(-eps, eps)
        adversarial = (x + delta).clamp_(0, 1)
    loss = F.cross_entropy(net(adversarial), y)
    loss.backward()
    return loss


def trades(net, params, x, y, args, generator):
    eps, step = args.epsilon, 2.5 * args.epsilon / args.steps
    logits = net(x)
    p = F.softmax(logits.detach(), dim=1)
    with torch.no_grad():
        low, high = x - eps, x + eps
        adversarial = x + 0.001 * torch.randn(x.shape, generator=generator, dtype=x.dtype)
    for _ in range(args.steps):
        adversarial.requires_grad_(True)
        kl = F.kl_div(F.log_softmax(net(adversarial), dim=1), p, reduction="sum")
        (grad,) = torch.autograd.grad(kl, adversarial)
        with torch.no_grad():
            adversarial = torch.min(torch.max(adversarial + step * grad.sign(), low), high).clamp_(0, 1)
    loss = F.cross_entropy(logits, y) + args.beta * F.kl_div(
        F.log_softmax(net(adversarial), dim=1), F.softmax(logits, dim=1), reduction="batchmean")
    loss.backward()
    return loss


def per_image_unit(d):
    """d with each image scaled to unit L2 norm."""
    return F.normalize(d.flatten(1), dim=1).view_as(d)


def vat(net, params, x, y, args, generator):
    logits = net(x)
    p = F.softmax(logits.detach(), dim=1)
    d = per_image_unit(torch.randn(x.shape, generator=generator, dtype=x.dtype))
    for _ in range(args.power_iterations):
        d.requires_grad_(True)
        kl = F.kl_div(F.log_softmax(net(x + args.xi * d), dim=1), p, reduction="batchmean")
        (grad,) = torch.autograd.grad(kl, d)
        d = per_image_unit(grad)
    loss = F.cross_entropy(logits, y) + F.kl_div(
        F.log_softmax(net(x + args.vat_epsilon * d), dim=1), p, reduction="batchmean")
    loss.backward()
    return loss


STEPS = {"standard": standard, "fgsm-at": fgsm_at, "pgd-at": pgd_at, "fast-at": fast_at, "trades": trades,
         "vat": vat}


def epoch(net, optimizer, step, images, labels, args, generator):
    params = list(net.parameters())
    start = time.perf_counter()
    order = torch.randperm(images.shape[0], generator=generator)
    for first in range(0, images.shape[0], args.batch):
        chosen = order[first:first + args.batch]
        x = images.index_select(0, chosen).view(input_shape(args.model, chosen.shape[0]))
        y = labels.index_select(0, chosen)
        optimizer.zero_grad(set_to_none=True)
        loss = step(net, params, x, y, args, generator)
        optimizer.step()
    loss.item()
    return time.perf_counter() - start


def settings(args):
    """The objective's settings, for the printed line."""
    if args.objective == "fgsm-at":
        return f", eps {args.epsilon}, alpha {args.alpha}"
    if args.objective in ("pgd-at", "trades"):
        beta = f", beta {args.beta}" if args.objective == "trades" else ""
        return f", eps {args.epsilon}, steps {args.steps}{beta}"
    if args.objective == "fast-at":
        return f", eps {args.epsilon}"
    if args.objective == "vat":
        return f", vat-epsilon {args.vat_epsilon}, xi {args.xi}, power iterations {args.power_iterations}"
    return ""


def parser():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "cnn"], default="cnn")
    parser.add_argument("--objective", choices=OBJECTIVES, default="fgsm-at")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--epsilon", type=float, default=0.1)
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--steps", type=int, default=7)
    parser.add_argument("--beta", type=float, default=6.0)
    parser.add_argument("--xi", type=float, default=0.01)
    parser.add_argument("--vat-epsilon", type=float, default=2.0)
    parser.add_argument("--power-iterations", type=int, default=1)
    parser.add_argument("--data", choices=["auto", "fashion", "sample", "uniform"], default="auto")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--mkldnn", choices=["on", "off"], default="on")
    return parser


def main():
    args = parser().parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = args.mkldnn == "on"
    torch.manual_seed(1)
    net = model(args.model)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    images, labels, source = training_set(args.data, args.images)
    generator = torch.Generator().manual_seed(4)
    step = STEPS[args.objective]
    epoch(net, optimizer, step, images, labels, args, generator)
    seconds = [epoch(net, optimizer, step, images, labels, args, generator) for _ in range(args.epochs)]
    mean = sum(seconds) / len(seconds)
    print(f"model {args.model} objective {args.objective} batch {args.batch} images {args.images} epoch seconds "
          f"mean {mean:.3f} best {min(seconds):.3f}, images/s mean {args.images / mean:.0f} "
          f"best {args.images / min(seconds):.0f} (pytorch {torch.__version__}, data {source}, threads "
          f"{torch.get_num_threads()}, mkldnn {args.mkldnn}{settings(args)})")


if __name__ == "__main__":
    main()
