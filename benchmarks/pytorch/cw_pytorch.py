"""PyTorch's Carlini-Wagner L2 attack on gradsign's shipped models, the baseline of
`gradsign attack --attack cw`.

What it runs: Carlini and Wagner 2017 ("Towards evaluating the robustness of neural networks"), L2,
untargeted, as their l2_attack.py, on the first --count test images (all of them, the misclassified
ones too, as l2_attack.py), in batches of --batch; per sample:
- x' = (tanh(w) + 1) / 2, pixels in [0, 1]; w starts at atanh((2x - 1) 0.999999) at each binary step;
- objective ||x' - x||_2^2 + c max(z_y - max_{j != y} z_j, -kappa), z the logits (the paper's f6;
  l2_attack.py writes c max(z_y - max_{j != y} z_j + kappa, 0), the same gradient, larger by c kappa,
  which moves its early abort's test when kappa > 0; gradsign's CarliniWagnerL2 uses the paper's form);
  the distance to x itself (l2_attack.py's to tanh(w0) mapped to the box, 1e-6 away);
- --steps iterations of Adam on w (lr --lr, beta1 0.9, beta2 0.999, eps 1e-8, bias-corrected as
  Kingma and Ba's algorithm 1: w -= lr m_hat / (sqrt(v_hat) + eps)), its state reset at each binary
  step; the gradient of the sum of the objectives over the batch;
- the best x' (the smallest L2 among the successful ones) kept over all steps and iterations, judged at
  the values before each Adam step (as the TF graph run does: its fetches are the modifier's values
  before the update); success as l2_attack.py's compare(): the argmax of z with z_y raised by kappa is
  not y;
- a binary search over c, from --initial-const: after a binary step where some iterate succeeded,
  upper = min(upper, c) and c = (lower + upper) / 2 when upper < 1e9; else lower = max(lower, c) and
  c = (lower + upper) / 2 when upper < 1e9, else c = 10 c (upper starts at 1e10, lower at 0); with
  --binary-steps >= 10 the last step runs at c = upper (l2_attack.py's repeat);
- early abort, one deliberate difference from l2_attack.py (which tests the batch's total loss): at
  every iteration that is a multiple of max(--steps // 10, 1) (0 included), a sample whose own
  objective is above 0.9999 times its objective at the previous such check (infinity at the first)
  stops for the rest of this binary step; its values at that iteration are not recorded (l2_attack.py
  breaks before recording). The stopped samples are masked out: each iteration gathers the samples
  still running and computes on them alone.

Counted: forward-backward passes in samples (each iteration on m running samples is m passes); the
clean forward pass for the clean accuracy is not counted. Timed: time.perf_counter around the attack,
the clean predictions and model and data loading excluded.

Models, images, --threads and --mkldnn as standard_eval_pytorch.py (the first --count Fashion-MNIST
test images of /usr/share/datasets/fashion-mnist where installed, else the jar's sample). Run with the
set-up of benchmarks/pytorch/settings.sh by benchmarks/compare-pytorch-robust.sh.

Prints the set-up, the clean and adversarial accuracy, the success rate (a fraction of --count: x'
found, the misclassified images included), the median and mean L2 of x' - x over the successful
samples (and the median over those the model classified correctly), then the machine-readable last line
`result seconds <s> passes <p> success <fraction> median_l2 <l2> clean <fraction> passes/s <r>`
(median_l2 over the successful samples the model classified correctly, as gradsign's attack command
prints it; nan when there are none).
"""
import argparse
import time

import torch

from standard_eval_pytorch import SHIPPED, load, predict


def objective(net, w, x, y, const, kappa):
    """x', the logits, the squared L2 distances, the objectives and their gradient with respect to w."""
    w = w.detach().requires_grad_(True)
    x_adv = (torch.tanh(w) + 1) / 2
    logits = net(x_adv)
    l2 = (x_adv - x).pow(2).flatten(1).sum(1)
    u = torch.arange(x.shape[0])
    real = logits[u, y]
    other = logits.masked_fill(torch.nn.functional.one_hot(y, logits.shape[1]).bool(), float("-inf")).max(1)[0]
    loss = l2 + const * torch.clamp(real - other, min=-kappa)
    (grad,) = torch.autograd.grad(loss.sum(), w)
    return x_adv.detach(), logits.detach(), l2.detach(), loss.detach(), grad


def cw_l2(net, x, y, args):
    """Carlini-Wagner L2 on one batch; returns (best squared L2, 1e10 where none found; best x'; passes)."""
    n = x.shape[0]
    w0 = torch.atanh((2 * x - 1) * 0.999999)
    lower, upper = torch.zeros(n, dtype=torch.float64), torch.full((n,), 1e10, dtype=torch.float64)
    const = torch.full((n,), args.initial_const, dtype=torch.float64)
    best_l2, best_adv = torch.full((n,), 1e10), x.clone()
    check_every = max(args.steps // 10, 1)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    passes = 0
    for binary_step in range(args.binary_steps):
        if args.binary_steps >= 10 and binary_step == args.binary_steps - 1:
            const = upper.clone()
        w, m, v = w0.clone(), torch.zeros_like(w0), torch.zeros_like(w0)
        running = torch.ones(n, dtype=torch.bool)
        succeeded = torch.zeros(n, dtype=torch.bool)
        previous = torch.full((n,), float("inf"))
        c = const.float()
        for iteration in range(args.steps):
            idx = running.nonzero().flatten()
            if idx.numel() == 0:
                break
            x_adv, logits, l2, loss, grad = objective(net, w[idx], x[idx], y[idx], c[idx], args.kappa)
            passes += idx.numel()
            with torch.no_grad():
                if args.abort_early and iteration % check_every == 0:
                    stop = loss > previous[idx] * 0.9999
                    previous[idx] = loss
                    running[idx[stop]] = False
                    keep = ~stop
                    idx, x_adv, logits, l2, grad = idx[keep], x_adv[keep], logits[keep], l2[keep], grad[keep]
                u = torch.arange(idx.numel())
                adjusted = logits.clone()
                adjusted[u, y[idx]] += args.kappa
                ok = adjusted.argmax(1) != y[idx]
                succeeded[idx[ok]] = True
                better = ok & (l2 < best_l2[idx])
                best_l2[idx[better]] = l2[better]
                best_adv[idx[better]] = x_adv[better]
                # Adam, bias-corrected, on the running samples (they all share the step count t)
                t = iteration + 1
                m[idx] = beta1 * m[idx] + (1 - beta1) * grad
                v[idx] = beta2 * v[idx] + (1 - beta2) * grad * grad
                m_hat, v_hat = m[idx] / (1 - beta1 ** t), v[idx] / (1 - beta2 ** t)
                w[idx] = w[idx] - args.lr * m_hat / (v_hat.sqrt() + eps)
        # the binary search over c
        upper = torch.where(succeeded, torch.minimum(upper, const), upper)
        lower = torch.where(succeeded, lower, torch.maximum(lower, const))
        const = torch.where(upper < 1e9, (lower + upper) / 2, torch.where(succeeded, const, const * 10))
    return best_l2, best_adv, passes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(SHIPPED), default="cnn")
    parser.add_argument("--model-file", help="a gradsign .gsm model file instead of a shipped model")
    parser.add_argument("--data", help="a folder of Fashion-MNIST's IDX test files (default: Debian's, else the jar's sample)")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--binary-steps", type=int, default=9)
    parser.add_argument("--steps", type=int, default=1000, help="Adam iterations per binary step")
    parser.add_argument("--kappa", type=float, default=0.0)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--initial-const", type=float, default=1e-3)
    parser.add_argument("--no-abort-early", dest="abort_early", action="store_false")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--mkldnn", choices=["on", "off"], default="on")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = args.mkldnn == "on"
    net, x, y, what = load(args)
    correct = predict(net, x, args.batch) == y
    print(f"pytorch {torch.__version__} threads {torch.get_num_threads()} mkldnn {args.mkldnn}: cw-l2 binary steps "
          f"{args.binary_steps} steps {args.steps} kappa {args.kappa} lr {args.lr} initial const {args.initial_const} "
          f"abort early {'on' if args.abort_early else 'off'} batch {args.batch} on {what}")

    start = time.perf_counter()
    best_l2, best_adv, passes = torch.empty(0), [], 0
    for i in range(0, args.count, args.batch):
        l2, adv, p = cw_l2(net, x[i:i + args.batch], y[i:i + args.batch], args)
        best_l2, passes = torch.cat([best_l2, l2]), passes + p
        best_adv.append(adv)
    seconds = time.perf_counter() - start

    best_adv = torch.cat(best_adv)
    success = best_l2 < 1e10
    distance = best_l2.sqrt()
    adversarial_accuracy = (predict(net, torch.where(success.reshape(-1, *[1] * (x.dim() - 1)), best_adv, x), args.batch)
                            == y).float().mean().item()
    # medians as gradsign's PerturbationNorms: the mean of the two middle values of an even count
    median = distance[success].quantile(0.5).item() if success.any() else float("nan")
    median_correct = (distance[success & correct].quantile(0.5).item() if (success & correct).any()
                      else float("nan"))
    mean = distance[success].mean().item() if success.any() else float("nan")
    rate = success.float().mean().item()
    print(f"clean accuracy:        {correct.float().mean().item():.2%}")
    print(f"adversarial accuracy:  {adversarial_accuracy:.2%}")
    print(f"success rate:          {rate:.2%}   (x' found, misclassified images included)")
    print(f"L2 of x' - x:          median {median:.4f}, mean {mean:.4f} over the successful; median {median_correct:.4f} "
          f"over the successful the model classified correctly")
    print(f"time:                  {seconds:.3f} s, {passes} forward-backward passes ({passes / max(seconds, 1e-9):.0f}/s)")
    print(f"result seconds {seconds:.3f} passes {passes} success {rate:.4f} median_l2 {median_correct:.4f} "
          f"clean {correct.float().mean().item():.4f} passes/s {passes / max(seconds, 1e-9):.0f}")


if __name__ == "__main__":
    main()
