"""PyTorch's standard evaluation (APGD-CE, then APGD-T) of gradsign's shipped models, the baseline of
`gradsign eval --standard`.

What it runs, following Croce and Hein 2020 ("Reliable evaluation of adversarial robustness with an
ensemble of diverse parameter-free attacks") and the reference AutoAttack code (autopgd_base.py's
APGDAttack and APGDTargetedAttack, attack_single_run, L-infinity; auto_attack.py's
run_standard_evaluation for the order and the compaction):
- the clean predictions of the first --count test images (a forward pass, in batches of --batch);
- --attack standard (the default): APGD-CE on the images classified correctly, then APGD-T on the
  images still unbroken after it; --attack apgd-ce, apgd-dlr or apgd-t runs that one attack alone on
  the images classified correctly.
- Each attack, as run_standard_evaluation: the still unbroken images are gathered and cut into batches
  of --batch (default 250, AutoAttack's bs); a batch runs one restart of APGD (APGD-T: for target k =
  2 .. --target-classes + 1, the class of the k-th largest clean logit, one restart each, on the images
  of the batch still unbroken before that target). That gathering is AutoAttack's compaction: a broken
  image is never attacked again.
- APGD (attack_single_run, L-inf), per sample, with n = --steps: n_iter_2 = max(int(0.22 n), 1),
  n_iter_min = max(int(0.06 n), 1), size_decr = max(int(0.03 n), 1); step size eta = 2 eps; start
  x0 = clamp(x + eps t / max|t|, 0, 1), t uniform in [-1, 1] per element, the max per sample; the
  gradient g0 and loss at x0; then n iterations: z = P(x_k + eta sign(g_k)), x_{k+1} = P(x_k + a (z -
  x_k) + (1 - a)(x_k - x_{k-1})), a = 1 at the first iteration and 0.75 after, P the projection onto the
  eps-ball around x then the clamp to [0, 1]; the loss and gradient at x_{k+1} (one forward-backward);
  x_best (the highest loss so far, with its gradient grad_best) and x_best_adv (any point the model
  misclassifies) kept per sample. Every k iterations (k = n_iter_2 first, then max(k - size_decr,
  n_iter_min)): condition 1 = the number of the last k iterations whose loss rose above the previous
  iteration's loss is <= 0.75 k; condition 2 = the step was not halved at the previous check and the
  best loss is not above its value at the previous check; where either holds, eta /= 2, x_k <- x_best,
  g <- grad_best. One deliberate difference from autopgd_base.py: its loss_steps[-1] quirk (the first
  check compares iteration 0's loss with an unwritten row of zeros) is not copied: the loss at the
  starting point is the loss before iteration 0 (gradsign does the same).
- Losses (per sample; the gradient is that of their sum over the batch, as autopgd_base.py):
  CE = softmax cross-entropy; DLR (untargeted) = -(z_y - max_{j != y} z_j) / (z_pi1 - z_pi3 + 1e-12);
  targeted DLR = -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12), z_pi1 >= z_pi2 >= ... the sorted
  logits (AutoAttack's dlr_loss and dlr_loss_targeted). APGD-T counts an image broken when it is
  misclassified (as AutoAttack), not only when it lands on the target.
- Randomness: one torch.Generator seeded with --seed for every random start (AutoAttack reseeds per
  batch; the figures do not depend on it beyond noise).

Counted: forward-backward passes in samples, each gradient computed on m samples is m passes (a run of
APGD on m samples is m (n + 1)); the clean forward passes (the clean predictions, APGD-T's clean logits
for its targets) are not counted. Timed: time.perf_counter around the attacks (from the first attack
to the end of the last), the clean predictions and model and data loading excluded (printed apart).

Models: --model cnn (default), mlp or cnn-pgd-at, gradsign's shipped model files
(java/src/main/resources/io/gradsign/models/fashion-*.gsm, read by load_gsm below: versions 1 and 2 of
io.gradsign.model.ModelFile), or --model-file PATH for any .gsm. Images: the first --count (default
10000) Fashion-MNIST test images from /usr/share/datasets/fashion-mnist (Debian's
dataset-fashion-mnist, gradsign's default data) where installed, else the 1000-image sample embedded in
gradsign's jar (the script says which); --data DIR reads another folder of IDX files.
--threads and --mkldnn as fgsm_pytorch.py; run with the set-up of benchmarks/pytorch/settings.sh by
benchmarks/compare-pytorch-robust.sh; needs Debian's python3-torch.

Prints a table (per attack: images attacked, robust accuracy after it, seconds, passes, passes/s), then
one machine-readable last line:
`result seconds <s> passes <p> robust <fraction> clean <fraction> passes/s <r>`
(robust: the robust accuracy after the last attack, a fraction of --count).
"""
import argparse
import gzip
import math
import pathlib
import struct
import time
import zlib

import torch
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS = ROOT / "java/src/main/resources/io/gradsign/models"
SHIPPED = {"cnn": "fashion-cnn.gsm", "mlp": "fashion-mlp.gsm", "cnn-pgd-at": "fashion-cnn-pgd-at.gsm"}
SAMPLE = ROOT / "java/src/main/resources/io/gradsign/data/fashion-mnist-sample"
DEBIAN = pathlib.Path("/usr/share/datasets/fashion-mnist")


# --- gradsign's model files -------------------------------------------------------------------------

def _spec_layers(spec, input_shape):
    """PyTorch layers for a gradsign layer spec (io.gradsign.nn.LayerSpec) on one sample's input shape."""
    import re
    shape = list(input_shape)
    stack, spatial = [], len(shape) == 3
    for token in spec.strip().lower().split("-"):
        m = re.fullmatch(r"conv(\d+)k(\d+)(?:x(\d+))?(?:s(\d+)(?:x(\d+))?)?(?:p(\d+)(?:x(\d+))?)?", token)
        if m:
            c, kh = int(m[1]), int(m[2])
            kw = int(m[3]) if m[3] else kh
            sh = int(m[4]) if m[4] else 1
            sw = int(m[5]) if m[5] else sh
            ph = int(m[6]) if m[6] else 0
            pw = int(m[7]) if m[7] else ph
            stack.append(torch.nn.Conv2d(shape[0], c, (kh, kw), (sh, sw), (ph, pw)))
            shape = [c, (shape[1] + 2 * ph - kh) // sh + 1, (shape[2] + 2 * pw - kw) // sw + 1]
            spatial = True
            continue
        m = re.fullmatch(r"(avgpool|pool)(\d+)(?:x(\d+))?(?:s(\d+)(?:x(\d+))?)?", token)
        if m:
            kh = int(m[2])
            kw = int(m[3]) if m[3] else kh
            sh = int(m[4]) if m[4] else kh
            sw = int(m[5]) if m[5] else (kw if not m[4] else sh)
            pool = torch.nn.AvgPool2d if m[1] == "avgpool" else torch.nn.MaxPool2d
            stack.append(pool((kh, kw), (sh, sw)))
            shape = [shape[0], (shape[1] - kh) // sh + 1, (shape[2] - kw) // sw + 1]
            spatial = True
            continue
        m = re.fullmatch(r"dense(\d+)", token)
        if m:
            if spatial or len(shape) > 1:
                stack.append(torch.nn.Flatten())
                shape, spatial = [math.prod(shape)], False
            stack.append(torch.nn.Linear(shape[0], int(m[1])))
            shape = [int(m[1])]
            continue
        if token == "flatten":
            stack.append(torch.nn.Flatten())
            shape, spatial = [math.prod(shape)], False
        elif token in ("relu", "tanh", "sigmoid"):
            stack.append({"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[token]())
        else:
            raise ValueError(f"layer spec {spec!r}: cannot read {token!r}")
    return stack


def load_gsm(path):
    """A gradsign model file (io.gradsign.model.ModelFile, version 1 or 2, little-endian) as a PyTorch
    Sequential with its parameters frozen, and one sample's input shape. Parameters in file order, each
    layer's weights (dense: out x in; convolution: out x in x kh x kw, as PyTorch) then its bias."""
    data = pathlib.Path(path).read_bytes()
    if data[:8] != b"GRADSIGN":
        raise ValueError(f"{path}: not a gradsign model file")
    if struct.unpack("<q", data[-8:])[0] != zlib.crc32(data[:-8]):
        raise ValueError(f"{path}: checksum mismatch")
    version, = struct.unpack_from("<i", data, 8)
    if version == 1:
        count, = struct.unpack_from("<i", data, 12)
        table = [struct.unpack_from("<3i", data, 16 + 12 * i) for i in range(count)]
        stack = []
        for fan_in, fan_out, activation in table:
            stack.append(torch.nn.Linear(fan_in, fan_out))
            if activation:
                stack.append(torch.nn.ReLU() if activation == 1 else torch.nn.Tanh())
        input_shape, offset = (table[0][0],), 16 + 12 * count
    elif version == 2:
        rank, = struct.unpack_from("<i", data, 12)
        input_shape = struct.unpack_from(f"<{rank}i", data, 16)
        offset = 16 + 4 * rank
        length, = struct.unpack_from("<i", data, offset)
        spec = data[offset + 4:offset + 4 + length].decode("ascii")
        stack, offset = _spec_layers(spec, input_shape), offset + 4 + length
    else:
        raise ValueError(f"{path}: format version {version}")
    net = torch.nn.Sequential(*stack)
    for p in net.parameters():
        p.data.copy_(torch.frombuffer(bytearray(data[offset:offset + 4 * p.numel()]), dtype=torch.float32)
                     .reshape(p.shape))
        offset += 4 * p.numel()
        p.requires_grad_(False)
    if offset != len(data) - 8:
        raise ValueError(f"{path}: {len(data) - 8 - offset} bytes of parameters left over")
    return net.eval(), tuple(input_shape)


# --- Fashion-MNIST's test images ----------------------------------------------------------------------

def test_images(folder=None):
    """The test images in [0, 1] (count, 784) and labels from a folder of gzipped IDX files: --data, else
    Debian's where installed, else the jar's sample; and the folder read."""
    if folder is None:
        folder = DEBIAN if (DEBIAN / "t10k-images-idx3-ubyte.gz").exists() else SAMPLE
    folder = pathlib.Path(folder)

    def read(name):
        plain = folder / name
        return plain.read_bytes() if plain.exists() else gzip.open(folder / (name + ".gz")).read()

    images, labels = read("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte")
    count = int.from_bytes(images[4:8], "big")
    pixels = torch.frombuffer(bytearray(images[16:16 + count * 784]), dtype=torch.uint8)
    return (pixels.reshape(count, 784).float() / 255,
            torch.frombuffer(bytearray(labels[8:8 + count]), dtype=torch.uint8).long(), folder)


def load(args):
    """The model (shipped or --model-file), the first --count images shaped for it, their labels."""
    path = args.model_file or MODELS / SHIPPED[args.model]
    net, shape = load_gsm(path)
    x, y, folder = test_images(args.data)
    if args.count > x.shape[0]:
        raise SystemExit(f"--count {args.count}: {folder} holds {x.shape[0]} test images")
    x, y = x[:args.count].reshape(args.count, *shape).contiguous(), y[:args.count].contiguous()
    source = "the sample embedded in gradsign's jar" if folder == SAMPLE else str(folder)
    return net, x, y, f"{pathlib.Path(path).name}, {args.count} test images from {source}"


def predict(net, x, batch):
    with torch.no_grad():
        return torch.cat([net(x[i:i + batch]).argmax(1) for i in range(0, x.shape[0], batch)])


# --- APGD -----------------------------------------------------------------------------------------------

def dlr(logits, y):
    """AutoAttack's dlr_loss: -(z_y - max_{j != y} z_j) / (z_pi1 - z_pi3 + 1e-12)."""
    z, _ = logits.sort(dim=1)
    u = torch.arange(logits.shape[0])
    top_is_y = (logits.argmax(1) == y).float()
    other = z[:, -2] * top_is_y + z[:, -1] * (1 - top_is_y)
    return -(logits[u, y] - other) / (z[:, -1] - z[:, -3] + 1e-12)


def dlr_targeted(logits, y, target):
    """AutoAttack's dlr_loss_targeted: -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12)."""
    z, _ = logits.sort(dim=1)
    u = torch.arange(logits.shape[0])
    return -(logits[u, y] - logits[u, target]) / (z[:, -1] - 0.5 * (z[:, -3] + z[:, -4]) + 1e-12)


def loss_and_grad(net, x_adv, y, loss):
    """Per-sample losses, the gradient of their sum at x_adv, and whether each sample is still classified
    correctly there."""
    x_adv = x_adv.detach().requires_grad_(True)
    logits = net(x_adv)
    values = loss(logits, y)
    (grad,) = torch.autograd.grad(values.sum(), x_adv)
    return values.detach(), grad, logits.detach().argmax(1) == y


def apgd(net, x, y, eps, n_iter, loss, generator):
    """One run of APGD (L-inf) on the batch x, y; returns (still classified correctly, x_best_adv, passes)."""
    n = x.shape[0]
    view = (n,) + (1,) * (x.dim() - 1)
    n_iter_2, n_iter_min, size_decr = max(int(0.22 * n_iter), 1), max(int(0.06 * n_iter), 1), max(int(0.03 * n_iter), 1)

    def project(z):
        return torch.min(torch.max(z, x - eps), x + eps).clamp(0.0, 1.0)

    t = 2 * torch.rand(x.shape, generator=generator) - 1
    x_adv = (x + eps * t / (t.reshape(n, -1).abs().max(1)[0].reshape(view) + 1e-12)).clamp(0.0, 1.0)
    x_best, x_best_adv = x_adv.clone(), x_adv.clone()
    loss_cur, grad, acc = loss_and_grad(net, x_adv, y, loss)
    passes = n
    grad_best, loss_best = grad.clone(), loss_cur.clone()
    losses = [loss_cur]  # the loss at the start, then after each iteration
    step = torch.full(view, 2.0 * eps)
    x_old = x_adv.clone()
    k, counter = n_iter_2, 0
    loss_best_last_check = loss_best.clone()
    reduced_last_check = torch.ones(n, dtype=torch.bool)
    for i in range(n_iter):
        with torch.no_grad():
            a = 1.0 if i == 0 else 0.75
            momentum = x_adv - x_old
            x_old = x_adv
            z = project(x_adv + step * grad.sign())
            x_adv = project(x_adv + a * (z - x_adv) + (1 - a) * momentum)
        loss_cur, grad, pred_ok = loss_and_grad(net, x_adv, y, loss)
        passes += n
        with torch.no_grad():
            acc &= pred_ok
            broken = ~pred_ok
            x_best_adv[broken] = x_adv[broken]
            losses.append(loss_cur)
            better = loss_cur > loss_best
            x_best[better], grad_best[better], loss_best[better] = x_adv[better], grad[better], loss_cur[better]
            counter += 1
            if counter == k:
                recent = torch.stack(losses[-k - 1:])
                rises = (recent[1:] > recent[:-1]).sum(0)
                reduce = (rises <= k * 0.75) | (~reduced_last_check & (loss_best_last_check >= loss_best))
                reduced_last_check, loss_best_last_check = reduce, loss_best.clone()
                if reduce.any():
                    step[reduce] /= 2.0
                    x_adv[reduce], grad[reduce] = x_best[reduce], grad_best[reduce]
                k, counter = max(k - size_decr, n_iter_min), 0
    return acc, x_best_adv, passes


def run_attack(net, x, y, robust, attack, args, generator):
    """One attack of the evaluation on the images `robust` marks (updated in place); returns the passes."""
    passes = 0
    index = robust.nonzero().flatten()
    for start in range(0, index.numel(), args.batch):
        batch = index[start:start + args.batch]
        xb, yb = x[batch], y[batch]
        if attack == "apgd-t":
            with torch.no_grad():
                order = net(xb).sort(dim=1)[1]
            alive = torch.ones(batch.numel(), dtype=torch.bool)
            for k in range(2, args.target_classes + 2):
                sub = alive.nonzero().flatten()
                if sub.numel() == 0:
                    break
                target = order[sub, -k]
                acc, _, p = apgd(net, xb[sub], yb[sub], args.epsilon, args.steps,
                                 lambda z, t, tg=target: dlr_targeted(z, t, tg), generator)
                alive[sub[~acc]] = False
                passes += p
            robust[batch] = alive
        else:
            loss = (lambda z, t: F.cross_entropy(z, t, reduction="none")) if attack == "apgd-ce" else dlr
            acc, _, p = apgd(net, xb, yb, args.epsilon, args.steps, loss, generator)
            robust[batch] = acc
            passes += p
    return passes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(SHIPPED), default="cnn")
    parser.add_argument("--model-file", help="a gradsign .gsm model file instead of a shipped model")
    parser.add_argument("--data", help="a folder of Fashion-MNIST's IDX test files (default: Debian's, else the jar's sample)")
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--attack", choices=["standard", "apgd-ce", "apgd-dlr", "apgd-t"], default="standard")
    parser.add_argument("--epsilon", type=float, default=0.1)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target-classes", type=int, default=9)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--mkldnn", choices=["on", "off"], default="on")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = args.mkldnn == "on"
    net, x, y, what = load(args)
    generator = torch.Generator().manual_seed(args.seed)
    attacks = ["apgd-ce", "apgd-t"] if args.attack == "standard" else [args.attack]

    start = time.perf_counter()
    robust = predict(net, x, args.batch) == y
    clean_seconds = time.perf_counter() - start
    clean = robust.float().mean().item()
    print(f"pytorch {torch.__version__} threads {torch.get_num_threads()} mkldnn {args.mkldnn}: {args.attack} "
          f"eps {args.epsilon} steps {args.steps} batch {args.batch} seed {args.seed} on {what}")
    print(f"{'attack':<10} {'attacked':>8} {'robust':>8} {'seconds':>9} {'passes':>10} {'passes/s':>9}")
    print(f"{'clean':<10} {args.count:>8} {clean:>8.2%} {clean_seconds:>9.2f} {'-':>10} {'-':>9}")
    total_seconds, total_passes = 0.0, 0
    for attack in attacks:
        attacked = int(robust.sum())
        start = time.perf_counter()
        passes = run_attack(net, x, y, robust, attack, args, generator)
        seconds = time.perf_counter() - start
        total_seconds += seconds
        total_passes += passes
        print(f"{attack:<10} {attacked:>8} {robust.float().mean().item():>8.2%} {seconds:>9.2f} {passes:>10d} "
              f"{passes / max(seconds, 1e-9):>9.0f}")
    print(f"result seconds {total_seconds:.3f} passes {total_passes} robust {robust.float().mean().item():.4f} "
          f"clean {clean:.4f} passes/s {total_passes / max(total_seconds, 1e-9):.0f}")


if __name__ == "__main__":
    main()
