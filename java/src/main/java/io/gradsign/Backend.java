package io.gradsign;

import java.util.Optional;

/**
 * Where gradsign's operations run: the CPU, or a CUDA device (real or emulated). A backend owns
 * the tensors it allocates: closing it closes them. Obtain one from {@link Backends}.
 *
 * <p>Every operation validates its arguments in Java before any native code runs, and throws
 * {@link IllegalArgumentException} (bad values) or {@link IllegalStateException} (closed objects).
 */
public interface Backend extends AutoCloseable {

    /** Which backend this is. */
    BackendKind kind();

    /** One line: the backend, the device and the native build, for logs. */
    String description();

    /** A new tensor of {@code length} floats, all zero, owned by this backend. */
    Tensor allocate(long length);

    /** A new float32 tensor of the given shape, all zero, owned by this backend. */
    default Tensor allocate(Shape shape) {
        return allocate(shape, DType.FLOAT32);
    }

    /** A new tensor of the given shape and element type, all zero, owned by this backend. */
    Tensor allocate(Shape shape, DType dtype);

    /** A new tensor holding a copy of {@code values}. */
    default Tensor upload(float[] values) {
        Tensor tensor = allocate(values.length);
        tensor.copyFrom(values);
        return tensor;
    }

    /**
     * Copies all of {@code source} into {@code destination} within this backend; the lengths must be
     * equal and the two must not overlap unless they are the same range.
     */
    void copy(Tensor destination, Tensor source);

    /**
     * The fused sign-and-scale step of FGSM, in one pass:
     * {@code out[i] = clip(x[i] + epsilon * sign(gradient[i]), lo, hi)}.
     *
     * <p>A zero gradient element leaves x unchanged (x + epsilon * (&plusmn;0)). NaN in x or in the
     * gradient gives NaN in out: clipping does not hide it. Clipping is
     * {@code Math.min(Math.max(v, lo), hi)}, so -0 counts as below +0. The result is exact (one
     * rounding of x &plusmn; epsilon), and every backend gives the same bits. {@code out} may be
     * {@code x} (in place) but must not overlap it otherwise.
     *
     * @throws IllegalArgumentException if epsilon is negative, NaN or infinite, if lo or hi is NaN,
     *     if lo &gt; hi, if the lengths differ, or if a tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void signStep(Tensor out, Tensor x, Tensor gradient, float epsilon, float lo, float hi);

    /**
     * The projected sign step of the basic iterative method (BIM, Kurakin et al. 2016, "Adversarial
     * examples in the physical world") and of PGD under L&infin; (Madry et al. 2018, "Towards deep
     * learning models resistant to adversarial attacks"), in one pass over each element:
     * <pre>
     * v      = x[i] + alpha * sign(gradient[i])
     * v      = min(max(v, origin[i] - epsilon), origin[i] + epsilon)   // onto the ball around origin
     * out[i] = min(max(v, lo), hi)
     * </pre>
     * sign is the sign step's (&plusmn;1, &plusmn;0 for &plusmn;0, NaN for NaN); min and max are
     * Java's {@code Math.min} and {@code Math.max} (NaN in, NaN out; -0 below +0); origin &minus;
     * epsilon and origin + epsilon are rounded once each, so out lies within epsilon of origin up to
     * half an ulp of those bounds. Every backend gives the same bits (the CPU twin is
     * {@code cpu.ProjectedSignStep.projectedSignStepOne}).
     *
     * <p>{@code out} may be {@code x} (in place); otherwise it shares no memory with x, origin or
     * gradient (where origin is x, out may be both). x, origin and gradient may overlap one another.
     *
     * @throws IllegalArgumentException if alpha or epsilon is negative, NaN or infinite, if lo or hi is
     *     NaN, if lo &gt; hi, if the lengths differ, if out overlaps an input other than as above, or if a
     *     tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void projectedSignStep(Tensor out, Tensor x, Tensor origin, Tensor gradient, float alpha, float epsilon, float lo,
                           float hi);

    /**
     * The L2 step of the fast gradient method (FGM, the L2 form of Goodfellow et al. 2014, "Explaining
     * and harnessing adversarial examples": origin = x, alpha = epsilon) and of PGD under L2 (Madry
     * et al. 2018), per sample: the tensors hold {@code batch} samples of n = length / batch floats each,
     * and for each sample
     * <pre>
     * gnorm  = sqrt(sum g[i]^2)
     * y[i]   = x[i] + (alpha / gnorm) * g[i]              (y = x where gnorm == 0)
     * d[i]   = y[i] - origin[i];  dnorm = sqrt(sum d[i]^2)
     * p[i]   = origin[i] + d[i] * (epsilon / dnorm)      where dnorm &gt; epsilon, else y[i]
     * out[i] = min(max(p[i], lo), hi)
     * </pre>
     * A sum of squares accumulates in double in one fixed order (element i to lane i mod 256, each lane
     * in element order; then the lanes pairwise: {@code cpu.SampleReduction}), is rounded to float
     * once, and its square root taken in float. The two scale factors are one float division each
     * per sample; every other product and sum is rounded on its own (no fused multiply-add). So every
     * backend gives the same bits: the CPU twin repeats the CUDA kernel's order of operations
     * ({@code cpu.L2Step.l2StepOne} is the formula), and the tests check bit equality. Without lo and hi
     * binding, {@code ||out - origin||_2 <= epsilon (1 + 1e-6)}. A NaN anywhere in a sample makes dnorm
     * NaN: that sample is not projected, and its NaN elements stay NaN.
     *
     * <p>{@code out} may be {@code x} (in place); otherwise it shares no memory with x, origin or
     * gradient (where origin is x, out may be both). x, origin and gradient may overlap one another.
     *
     * @throws IllegalArgumentException if alpha or epsilon is negative, NaN or infinite, if lo or hi is
     *     NaN, if lo &gt; hi, if the lengths differ, if batch is negative or does not divide the length
     *     (batch 0 only for empty tensors), if out overlaps an input other than as above, or if a tensor
     *     belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void l2Step(Tensor out, Tensor x, Tensor origin, Tensor gradient, int batch, float alpha, float epsilon, float lo,
                float hi);

    /**
     * The step of the momentum iterative method (MI-FGSM, Dong et al. 2018, "Boosting adversarial
     * attacks with momentum"), per sample: the tensors hold {@code batch} samples of n = length / batch
     * floats each, and for each sample
     * <pre>
     * l1          = sum |g[i]|
     * momentum[i] = decay * momentum[i] + g[i] / l1       (decay * momentum[i] where l1 == 0)
     * out[i]      = the projected sign step of {@link #projectedSignStep} with sign(momentum[i])
     * </pre>
     * l1 accumulates in double in the order of {@link #l2Step}'s sums and is rounded to float once;
     * every product, quotient and sum is rounded on its own. Every backend gives the same bits (the CPU
     * twin is {@code cpu.MomentumSignStep.momentumSignStepOne}). The paper's decay is 1.0.
     *
     * <p>{@code momentum} is read and written in place and shares no memory with the other tensors.
     * {@code out} may be {@code x} (in place); otherwise it shares no memory with x, origin or gradient
     * (where origin is x, out may be both).
     *
     * @throws IllegalArgumentException if decay, alpha or epsilon is negative, NaN or infinite, if lo or
     *     hi is NaN, if lo &gt; hi, if the lengths differ, if batch is negative or does not divide the
     *     length, if a tensor overlaps another other than as above, or if a tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void momentumSignStep(Tensor out, Tensor momentum, Tensor x, Tensor origin, Tensor gradient, int batch, float decay,
                          float alpha, float epsilon, float lo, float hi);

    /**
     * The L&infin; step of APGD (Croce and Hein 2020, "Reliable evaluation of adversarial robustness with
     * an ensemble of diverse parameter-free attacks", Algorithm 1), per sample: the tensors hold
     * {@code batch} samples of n = length / batch floats each, {@code stepSizes} (batch) holds each
     * sample's step size &eta;, and for each element, with x = current, o = origin, g = gradient:
     * <pre>
     * z       = min(max(min(max(x + &eta; &middot; sign(g), o - &epsilon;), o + &epsilon;), lo), hi)   // the projected sign step
     * w       = (x + momentum &middot; (z - x)) + (1 - momentum) &middot; (x - previous)
     * next    = min(max(min(max(w, o - &epsilon;), o + &epsilon;), lo), hi)
     * </pre>
     * z is exactly {@link #projectedSignStep}'s element (sign(&plusmn;0) = &plusmn;0, sign(NaN) = NaN;
     * Java's min and max). Every product and sum is rounded on its own in this order: &eta; &middot; s,
     * x + that, the clamps; z - x; x - previous; momentum &middot; (z - x); (1 - momentum) &middot;
     * (x - previous), with 1 - momentum one float subtraction per call; x + the first product; + the
     * second; the clamps. Every backend gives the same bits (the CPU twin is
     * {@code cpu.ApgdStep.apgdStepOne}). APGD's momentum is 0.75; at its first iteration previous is
     * current (or momentum 1).
     *
     * <p>{@code next} may be {@code previous} or {@code current} (the same range): each element's inputs
     * are read before it is written. Otherwise next shares no memory with the other tensors; the inputs
     * may overlap one another.
     *
     * @throws IllegalArgumentException if epsilon is negative, NaN or infinite, if momentum is not finite,
     *     if lo or hi is NaN or lo &gt; hi, if the lengths differ, if batch is negative or does not divide
     *     the length, if stepSizes does not hold batch floats, if next overlaps another tensor other than as
     *     above, or if a tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void apgdStep(Tensor next, Tensor current, Tensor previous, Tensor origin, Tensor gradient, Tensor stepSizes,
                  int batch, float momentum, float epsilon, float lo, float hi);

    /**
     * A tensor over floats [offset, offset + length) of a Java array itself, with no copy, where this
     * backend computes on Java arrays (the CPU backend); empty where it cannot (CUDA). The tensor
     * reads and writes the array, never frees anything, and is unusable once the backend is closed.
     */
    default Optional<Tensor> wrap(float[] array, int offset, int length) {
        return Optional.empty();
    }

    /** Labels for {@code labels.length} samples of {@code classes} classes, checked to lie in [0, classes). */
    default Labels uploadLabels(int[] labels, int classes) {
        Labels result = Labels.allocate(this, labels.length, classes);
        try {
            result.copyFrom(labels);
        } catch (RuntimeException e) {
            result.close();
            throw e;
        }
        return result;
    }

    /**
     * The dense layer's forward pass, bias and activation fused:
     * y (batch, out) = activation(x (batch, in) &middot; weights&#7488; + bias), with weights (out, in)
     * row-major and bias (out). y must not overlap the inputs.
     */
    void denseForward(Tensor y, Tensor x, Tensor weights, Tensor bias, int batch, int inFeatures, int outFeatures,
                      Activation activation);

    /** The gradient at the layer's input: dx (batch, in) = dy (batch, out) &middot; weights (out, in). */
    void denseBackwardInput(Tensor dx, Tensor dy, Tensor weights, int batch, int inFeatures, int outFeatures);

    /** The gradients of the weights and bias: dWeights (out, in) = dy&#7488; &middot; x, dBias (out) = sum of dy over the batch. */
    void denseBackwardWeights(Tensor dWeights, Tensor dBias, Tensor dy, Tensor x, int batch, int inFeatures,
                              int outFeatures);

    /** y = f(x) element-wise (a standalone activation layer); y may be x. */
    void activationForward(Tensor y, Tensor x, Activation activation);

    /**
     * The 2-D convolution's forward pass, bias and activation fused: y = activation(conv(x, weights) + bias),
     * with x, weights, bias and y as {@link ConvGeometry} lays them out. y must not overlap the inputs.
     * Tensors of rank above 1 must have exactly the geometry's shapes.
     */
    void conv2dForward(Tensor y, Tensor x, Tensor weights, Tensor bias, ConvGeometry geometry, Activation activation);

    /** The gradient at the convolution's input, dx (overwritten), from dy at its output (before the bias). */
    void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weights, ConvGeometry geometry);

    /** The gradients of the convolution's weights and bias (both overwritten) from dy and the layer's input x. */
    void conv2dBackwardWeights(Tensor dWeights, Tensor dBias, Tensor dy, Tensor x, ConvGeometry geometry);

    /**
     * Max pooling: y = the largest element of each window, and argmax (int32, y's shape) its index in
     * the input plane (row * width + column). A window is scanned row-major from its first element;
     * a later element replaces the best when it is larger or NaN (as PyTorch's). Every backend gives
     * the same bits.
     */
    void maxPool2dForward(Tensor y, Tensor argmax, Tensor x, PoolGeometry geometry);

    /** dx (overwritten) = dy routed to the elements argmax names, added in the windows' row-major order. */
    void maxPool2dBackward(Tensor dx, Tensor dy, Tensor argmax, PoolGeometry geometry);

    /** Average pooling: the window's sum (row-major, in float) divided by its size. Same bits on every backend. */
    void avgPool2dForward(Tensor y, Tensor x, PoolGeometry geometry);

    /** dx (overwritten) = the sum over the windows containing each element, in row-major order, of dy / window size. */
    void avgPool2dBackward(Tensor dx, Tensor dy, PoolGeometry geometry);

    /** dPre = dy &middot; f'(pre), written from the activation's output y; dPre may be dy. */
    void activationBackward(Tensor dPre, Tensor dy, Tensor y, Activation activation);

    /**
     * Softmax, cross-entropy and its gradient in one pass over logits (batch, classes):
     * probabilities = softmax(logits), losses (batch) = -log p[label], and, when dLogits is not null,
     * dLogits = gradientScale &middot; (p - onehot(label)). gradientScale is 1/batch for the mean
     * loss; a negative one descends instead of ascends (targeted attacks).
     */
    void softmaxCrossEntropy(Tensor probabilities, Tensor losses, Tensor dLogits, Tensor logits, Labels labels,
                             int batch, int classes, float gradientScale);

    /**
     * The Kullback-Leibler divergence between the softmaxes of two rows of logits, and its gradients
     * with respect to both rows, in one pass over (batch, classes). With p = softmax(pLogits) and
     * q = softmax(qLogits) per row:
     * <pre>
     * losses[b] = KL(p || q) = sum_i p_i (log p_i - log q_i)
     * dP[b, i]  = gradientScale * p_i (log p_i - log q_i - KL)      (when dP is not null)
     * dQ[b, i]  = gradientScale * (q_i - p_i)                      (when dQ is not null)
     * </pre>
     * log p and log q are log-softmaxes (the logit less the row's largest, less the log of the sum of
     * the shifted exponentials), so the divergence stays finite where a probability underflows; a class
     * whose p_i is 0 adds nothing and gets dP 0. pLogits and qLogits may be one tensor (KL 0). TRADES
     * (Zhang et al. 2019) needs both gradients, VAT (Miyato et al. 2018) only dQ, with p held constant.
     * Backends agree within float rounding (the exponentials and logarithms are the platform's; where
     * log p - log q - KL cancels, dP keeps the absolute error of log-softmaxes of the logits' spread).
     *
     * @throws IllegalArgumentException if batch &lt; 0 or classes &lt;= 0, if gradientScale is not finite,
     *     if a tensor's length is not what the sizes need, if an output shares memory with an input or
     *     another output, or if a tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void softmaxKl(Tensor losses, Tensor dP, Tensor dQ, Tensor pLogits, Tensor qLogits, int batch, int classes,
                   float gradientScale);

    /**
     * The entropy of the softmax of each row of logits (batch, classes), and its gradient, in one pass:
     * <pre>
     * entropies[b] = H(p) = -sum_i p_i log p_i,  p = softmax(logits[b])
     * dLogits[b, i] = gradientScale * (-p_i (log p_i + H))          (when dLogits is not null)
     * </pre>
     * with log p the log-softmax, as in {@link #softmaxKl}. Entropy minimisation (Grandvalet and Bengio
     * 2004) adds it to VAT's objective (VAT+EntMin, Miyato et al. 2018). Backends agree within float
     * rounding.
     *
     * @throws IllegalArgumentException as {@link #softmaxKl}
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void softmaxEntropy(Tensor entropies, Tensor dLogits, Tensor logits, int batch, int classes, float gradientScale);

    /**
     * The difference-of-logits-ratio loss (DLR, Croce and Hein 2020, "Reliable evaluation of adversarial
     * robustness with an ensemble of diverse parameter-free attacks", section 4) of each row of logits z
     * (batch, classes), and its gradient: the loss of APGD-DLR (untargeted) and APGD-T (targeted), as
     * AutoAttack's {@code dlr_loss} and {@code dlr_loss_targeted}. With &pi; the order of a row
     * descending, ties broken by the lower class index first, y = labels[b] and t = targets[b]:
     * <pre>
     * untargeted (targets null):  N = z_y - z_j*,  j* the first largest logit other than y (j* = &pi;1, or &pi;2 where &pi;1 = y)
     *                             D = (z_&pi;1 - z_&pi;3) + 1e-12f
     * targeted:                   N = z_y - z_t
     *                             D = (z_&pi;1 - 0.5f &middot; (z_&pi;3 + z_&pi;4)) + 1e-12f
     * q = N / D;  losses[b] = -q
     * </pre>
     * dLogits (when not null) is gradientScale times the exact gradient of -N/D with the chosen indices
     * held fixed (AutoAttack's autograd gradient): with a = gradientScale / D and e = q &middot; a, the
     * row is zeroed and then, in this order (indices may coincide: the terms add up),
     * dLogits[y] -= a; dLogits[j* or t] += a; dLogits[&pi;1] += e; untargeted dLogits[&pi;3] -= e,
     * targeted dLogits[&pi;3] -= 0.5f &middot; e and dLogits[&pi;4] -= 0.5f &middot; e. Every operation is
     * one float operation rounded on its own, so every backend gives the same bits (the CPU twin is
     * {@code cpu.DlrLoss.dlrLossRow}). A row holding NaN gets a NaN loss and a NaN gradient row.
     *
     * @throws IllegalArgumentException if batch &lt; 0, if classes &lt; 3 (untargeted) or &lt; 4 (targeted), if
     *     gradientScale is not finite, if labels or targets do not hold batch labels of classes classes, if
     *     a tensor's length is not what the sizes need, if an output shares memory with an input or the
     *     other output, or if a tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void dlrLoss(Tensor losses, Tensor dLogits, Tensor logits, Labels labels, Labels targets, int batch, int classes,
                 float gradientScale);

    /**
     * The margin loss f6 of Carlini and Wagner (2017, "Towards evaluating the robustness of neural
     * networks") on each row of logits z (batch, classes), and its gradient, for the CW L2 attack (whose
     * Adam step is {@link #cwAdamStep}). With y = labels[b] (the true class, untargeted, or the target t,
     * targeted) and m = z_j* the largest logit other than z_y (j* the first such index on ties):
     * <pre>
     * untargeted:  margin = z_y - m        targeted:  margin = m - z_t
     * losses[b] = max(margin, -kappa)       (Java's max: a NaN margin gives NaN)
     * dLogits   = s &middot; d margin / dz where margin &gt; -kappa, else 0 for the whole row:
     *             untargeted +s at y and -s at j*; targeted +s at j* and -s at t
     * </pre>
     * with s = scales[b] (CW's per-sample constant c; scales null means 1). Each margin is one float
     * subtraction, so every backend gives the same bits (the CPU twin is {@code cpu.CwMargin.cwMarginRow}).
     * A row holding NaN gets a NaN loss and a NaN gradient row. The paper's kappa is 0.
     *
     * @throws IllegalArgumentException if batch &lt; 0 or classes &lt; 2, if kappa is negative, NaN or
     *     infinite, if labels do not hold batch labels of classes classes, if a tensor's length is not what
     *     the sizes need, if an output shares memory with an input or the other output, or if a tensor
     *     belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void cwMargin(Tensor losses, Tensor dLogits, Tensor logits, Labels labels, Tensor scales, int batch, int classes,
                  float kappa, boolean targeted);

    /**
     * One Adam step (Kingma and Ba 2015, "Adam: a method for stochastic optimization", Algorithm 1) of the
     * L2 attack of Carlini and Wagner (2017, "Towards evaluating the robustness of neural networks",
     * section V-A) on its tanh variables w, where x' = lo + half &middot; (tanh(w) + 1) with
     * half = (hi - lo) &middot; 0.5f. Element-wise over tensors of one length: {@code gradient} holds dF/dx'
     * of the margin term at x' = {@code adversarial} (already scaled per sample by CW's constant c, as
     * {@link #cwMargin}'s scales do), and the step adds the distance term ||x' - o||&sup2;'s gradient 2d.
     * Per element, with o = origin, every operation one float operation rounded on its own in this order
     * (no fused multiply-add):
     * <pre>
     * d  = x' - o;               g  = gradient + (d + d)
     * t  = tanh(w);              s  = 1 - t &middot; t;          gw = g &middot; (half &middot; s)
     * m  = beta1 &middot; m + (1 - beta1) &middot; gw           (the two products, then the sum)
     * v  = beta2 &middot; v + (1 - beta2) &middot; (gw &middot; gw)     (gw &middot; gw, the two products, then the sum)
     * a  = m &middot; correction1;      b  = sqrt(v &middot; correction2) + eps
     * w  = w - (learningRate &middot; a) / b
     * x' = lo + half &middot; (tanh(w) + 1)                  (with the new w)
     * </pre>
     * half, 1 - beta1 and 1 - beta2 are each one float operation per call; sqrt is IEEE's (correctly
     * rounded). tanh is gradsign's own float tanh, {@code cpu.CwAdam.tanh} (at most 1.53 ulp from the exact
     * value over every float, odd, monotone, &plusmn;1 from |w| &ge; 9.02 on), which every backend computes with
     * the same float operations (no library tanh): every backend gives the same bits. The caller computes the bias corrections
     * correction1 = 1 / (1 - beta1^step) and correction2 = 1 / (1 - beta2^step) (step counted from 1, in
     * double, rounded to float); the paper's Adam has learningRate 0.01 (CW's), beta1 0.9, beta2 0.999,
     * eps 1e-8. x' is not clamped: it lies in [lo, hi] up to the rounding of half and of the last sum.
     *
     * <p>w, m, v and adversarial are read and written in place; origin and gradient are only read. No two
     * of the six tensors share memory.
     *
     * @throws IllegalArgumentException if the lengths differ; if learningRate is not finite and &gt; 0; if
     *     beta1 or beta2 is not in [0, 1); if correction1 or correction2 is not finite and &ge; 1; if eps is
     *     not finite and &gt; 0; if lo or hi is not finite or lo &ge; hi; if two of the tensors share memory;
     *     or if a tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void cwAdamStep(Tensor w, Tensor m, Tensor v, Tensor adversarial, Tensor origin, Tensor gradient,
                    float learningRate, float beta1, float beta2, float correction1, float correction2, float eps,
                    float lo, float hi);

    /**
     * The L1, L2 and L&infin; norms of a - b per sample (b null: of a): the tensors hold {@code batch}
     * samples of n = length / batch floats, and each output (length batch, null where not wanted) gets
     * one norm per sample. d = a - b is rounded to float first; L1 = sum |d| and the sum of squares run
     * in double in the order of {@link #l2Step}'s sums and are rounded to float once; L2 is the float
     * square root of that float sum (as {@link #l2Step} takes its norms); L&infin; is the float max of
     * |d|, NaN if any |d| is. Every backend gives the same bits (the CPU twin is
     * {@code cpu.SampleNorms.sampleNormsOne}). For the attacks' distances and success bookkeeping
     * (APGD, DeepFool, CW: the L2 distance of a candidate to the original).
     *
     * @throws IllegalArgumentException if every output is null, if the lengths differ, if batch is
     *     negative or does not divide the length, if an output does not hold batch floats or shares memory
     *     with an input or another output, or if a tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void sampleNorms(Tensor l1, Tensor l2, Tensor linf, Tensor a, Tensor b, int batch);

    /**
     * For j &lt; count: row destinationRows[j] of destination = row sourceRows[j] of source, where a row is
     * a slice along dimension 0 of the tensor's shape (its length the product of the other dimensions,
     * equal for both tensors). A gather (compacting a batch to its unbroken samples), a scatter (writing
     * the results back) or a per-sample best-so-far (the same indices on both sides). The index lists
     * are checked in Java: in range of each tensor's rows, the destination rows distinct. destination and
     * source may share memory only as the same tensor range, and then no written row may be read by
     * another entry ({destinationRows[j]} and {sourceRows[k], k &ne; j} disjoint). An exact copy: every
     * backend gives the same bits.
     *
     * @throws IllegalArgumentException if count is negative or longer than either list, if an index is out
     *     of range or a destination row repeats, if the row lengths differ, if the tensors overlap other than
     *     as above, or if a tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void copyRows(Tensor destination, int[] destinationRows, Tensor source, int[] sourceRows, int count);

    /**
     * out[i] = min(max(a &middot; x[i] + b &middot; y[i], lo), hi): both products and the sum rounded one by
     * one (no fused multiply-add), min and max as Java's (NaN in, NaN out). Every backend gives the same
     * bits. A scaled copy (b = 0 and y = x), a sum of gradients, a random start x + noise clipped to the
     * data's range. out may be x or y (the same range); it shares no memory with them otherwise.
     *
     * @throws IllegalArgumentException if a or b is not finite, if lo or hi is NaN or lo &gt; hi, if the
     *     lengths differ, if out overlaps an input other than as above, or if a tensor belongs to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void combine(Tensor out, float a, Tensor x, float b, Tensor y, float lo, float hi);

    /**
     * Per sample of {@code batch} samples of n = length / batch floats:
     * out = origin + scale &middot; v / ||v||_2 (origin null: 0). Where ||v||_2 is 0 the sample of out is
     * origin's (0 where origin is null). The sum of squares runs in double in the order of
     * {@link #l2Step}'s sums, is rounded to float once and its square root taken in float; the factor
     * scale / norm is one float division, its product with v[i] and the sum with origin[i] are rounded
     * one by one. Every backend gives the same bits. VAT's power iteration: x + &xi;&middot;d/||d|| and
     * r_adv = &epsilon;&middot;g/||g||. out may be origin or v (the same range); it shares no memory with them otherwise.
     *
     * @throws IllegalArgumentException if scale is not finite, if the lengths differ, if batch is negative
     *     or does not divide the length, if out overlaps an input other than as above, or if a tensor belongs
     *     to another backend
     * @throws IllegalStateException if the backend or a tensor is closed
     */
    void l2Normalize(Tensor out, Tensor origin, Tensor v, int batch, float scale);

    /**
     * out[i] = low + (high - low) &middot; u_i, u_i uniform in [0, 1) with 24 random bits, from the
     * counter-based generator Philox4x32-10 (Salmon et al. 2011) keyed by {@code seed}, at a counter
     * made of {@code stream} and i: element i depends on nothing else (not the tensor's length, not the
     * backend). Every backend gives the same bits (the exact mapping is in the CPU twin's javadoc).
     *
     * @throws IllegalArgumentException if low or high is not finite or low &gt; high, or if the tensor
     *     belongs to another backend
     * @throws IllegalStateException if the backend or the tensor is closed
     */
    void randomUniform(Tensor out, long seed, long stream, float low, float high);

    /**
     * out[i] = a standard normal variate from Philox4x32-10 keyed by {@code seed} at a counter made of
     * {@code stream} and i (Box-Muller over the generator's words, the logarithm, square root and
     * trigonometric functions computed by gradsign's own code, so that every backend gives the same bits).
     *
     * @throws IllegalArgumentException if the tensor belongs to another backend
     * @throws IllegalStateException if the backend or the tensor is closed
     */
    void randomNormal(Tensor out, long seed, long stream);

    /** SGD with momentum: velocity = momentum &middot; velocity + gradient; parameters -= learningRate &middot; velocity. */
    default void sgdMomentum(Tensor parameters, Tensor velocity, Tensor gradient, float learningRate, float momentum) {
        sgdMomentum(parameters, velocity, gradient, learningRate, momentum, 0f);
    }

    /**
     * SGD with momentum and L2 weight decay, as PyTorch's {@code torch.optim.SGD} (dampening 0, not
     * Nesterov): g = gradient + weightDecay &middot; parameters; velocity = momentum &middot; velocity + g;
     * parameters -= learningRate &middot; velocity. Each product and sum rounded one by one; every backend
     * gives the same bits. With weightDecay 0 the result is the plain momentum step's.
     *
     * @throws IllegalArgumentException if learningRate or weightDecay is negative or not finite, if
     *     momentum is outside [0, 1), if the lengths differ or the tensors overlap
     */
    void sgdMomentum(Tensor parameters, Tensor velocity, Tensor gradient, float learningRate, float momentum,
                     float weightDecay);

    /** Waits until all work submitted to this backend has finished; reports asynchronous errors. */
    void synchronize();

    /** Owning tensors allocated here and not yet closed (views are not counted). */
    int openTensorCount();

    boolean isClosed();

    /** Closes every tensor this backend still owns, then the backend. Idempotent. */
    @Override
    void close();
}
