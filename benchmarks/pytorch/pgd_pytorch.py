"""PyTorch's PGD on the benchmarks' models, the baseline of gradsign's PgdBenchmark.

One attack of a batch is what PgdBenchmark times through gradsign's AttackSession.run: the clean
predictions (a forward pass), PGD in L-infinity as Madry et al. 2018 define it (a uniform random
start in the eps-ball, then --steps steps x' <- clamp(proj(x' + alpha * sign(grad)), 0, 1) with
alpha = 2.5 eps / steps, the gradient of the cross-entropy at x' with respect to x' alone), and the
predictions at x' (a forward pass); no early stop, as torchattacks' PGD. Each batch is the next batch
of the Fashion-MNIST test images shipped in gradsign's jar, copied into the same tensors. Prints the
mean and best of --iterations measured iterations of --seconds, in images per second and in
forward-backward passes per second (images x steps).
Models and set-up as fgsm_pytorch.py (benchmarks/pytorch/settings.sh, through compare-pytorch-pgd.sh).
"""
import argparse
import time

import torch
import torch.nn.functional as F

from fgsm_pytorch import Batches, fashion_test, input_shape, model


def pgd(net, x, y, eps, steps, generator):
    alpha = 2.5 * eps / steps
    with torch.no_grad():
        clean = net(x).argmax(1)
        start = x + torch.empty_like(x).uniform_(-eps, eps, generator=generator)
        adversarial = start.clamp(0, 1)
    for _ in range(steps):
        adversarial.requires_grad_(True)
        loss = F.cross_entropy(net(adversarial), y)
        (grad,) = torch.autograd.grad(loss, adversarial)
        with torch.no_grad():
            adversarial = adversarial + alpha * grad.sign()
            adversarial = torch.min(torch.max(adversarial, x - eps), x + eps).clamp(0, 1)
    with torch.no_grad():
        predicted = net(adversarial).argmax(1)
    return clean, adversarial, predicted


def rate(net, batches, seconds, steps, generator):
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        x, y = batches.step()
        pgd(net, x, y, 0.1, steps, generator)
        done += 1
    return done * batches.x.shape[0] / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["softmax", "mlp", "cnn"], default="mlp")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--images", choices=["fashion"], default="fashion")
    parser.add_argument("--mkldnn", choices=["on", "off"], default="on")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = args.mkldnn == "on"
    torch.manual_seed(1)
    net = model(args.model)
    generator = torch.Generator().manual_seed(2)
    x = torch.zeros(input_shape(args.model, args.batch))
    y = torch.zeros(args.batch, dtype=torch.long)
    batches = Batches(x, y, fashion_test())
    for _ in range(args.warmups):
        rate(net, batches, args.seconds, args.steps, generator)
    rates = [rate(net, batches, args.seconds, args.steps, generator) for _ in range(args.iterations)]
    mean = sum(rates) / len(rates)
    print(f"pytorch {torch.__version__} {args.model} batch {args.batch} steps {args.steps} threads "
          f"{torch.get_num_threads()} mean {mean:.0f} best {max(rates):.0f} images/s; passes/s mean "
          f"{mean * args.steps:.0f}")


if __name__ == "__main__":
    main()
