/* gradsign.h: the C API of libgradsign (CUDA) and libgradsign_emu (CUDA emulation); JavaCPP binds it. */
#ifndef GRADSIGN_H
#define GRADSIGN_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define GRADSIGN_API __declspec(dllexport)
#else
#define GRADSIGN_API __attribute__((visibility("default")))
#endif

/* Every function returns a status: 0 on success, a CUDA error code (1..9999) unchanged, or one of
   the library's own codes below. gradsign_last_error_message() then says which call failed, where,
   and why, for the calling thread. No function exits or aborts the process. */
#define GRADSIGN_OK 0
#define GRADSIGN_ERROR_INVALID_ARGUMENT 10001
#define GRADSIGN_ERROR_NO_CUDA 10002 /* library built without nvcc */

/* Device addresses travel as 64-bit integers, so Java holds them as long. */
typedef unsigned long long gradsign_address;

/* Indices of the values gradsign_device_properties() fills. */
#define GRADSIGN_PROPERTY_TOTAL_MEMORY 0
#define GRADSIGN_PROPERTY_MULTIPROCESSORS 1
#define GRADSIGN_PROPERTY_MAJOR 2
#define GRADSIGN_PROPERTY_MINOR 3
#define GRADSIGN_PROPERTY_MAX_THREADS_PER_BLOCK 4
#define GRADSIGN_PROPERTY_SHARED_MEMORY_PER_BLOCK 5
#define GRADSIGN_PROPERTY_WARP_SIZE 6
#define GRADSIGN_PROPERTY_L2_CACHE 7
#define GRADSIGN_PROPERTY_COUNT 8

/* Name of a status ("cudaErrorMemoryAllocation", "GRADSIGN_ERROR_NO_CUDA", ...). */
GRADSIGN_API const char* gradsign_status_name(int status);
/* What the last failing call on this thread was, for exception messages. */
GRADSIGN_API const char* gradsign_last_error_message(void);
/* One line on the build and runtime: "CUDA runtime 13.0, driver 12.8, built for 80-real;90-real;90-virtual". */
GRADSIGN_API const char* gradsign_build_info(void);

/* Number of usable devices; 0 (with GRADSIGN_OK) where there is no driver or no device. */
GRADSIGN_API int gradsign_device_count(int* count);
/* name: at least 256 bytes; values: GRADSIGN_PROPERTY_COUNT entries. */
GRADSIGN_API int gradsign_device_properties(int device, char* name, long long* values);
GRADSIGN_API int gradsign_set_device(int device);
/* Free and total device memory in bytes, as the runtime reports it. */
GRADSIGN_API int gradsign_memory_info(long long* free_bytes, long long* total_bytes);

/* Device memory. Copies are synchronous; bytes are counts of bytes, counts are counts of floats. */
GRADSIGN_API int gradsign_malloc(gradsign_address* address, long long bytes);
GRADSIGN_API int gradsign_free(gradsign_address address);
GRADSIGN_API int gradsign_copy_to_device(gradsign_address destination, const float* source, long long count);
GRADSIGN_API int gradsign_copy_to_host(float* destination, gradsign_address source, long long count);
GRADSIGN_API int gradsign_copy_on_device(gradsign_address destination, gradsign_address source, long long bytes);
GRADSIGN_API int gradsign_memset(gradsign_address destination, int value, long long bytes);
/* Waits for all work on the device; reports errors of kernels that ran asynchronously. */
GRADSIGN_API int gradsign_synchronize(void);

/* out = clip(x + epsilon * sign(gradient), lo, hi), count floats each, one pass (12 bytes per
   element). sign(+-0) = +-0, so a zero gradient leaves x unchanged; NaN in x or in the gradient
   gives NaN (clipping does not hide it); max and min order -0 below +0, as Java's do. out may be x. The caller has checked epsilon >= 0, lo <= hi and the lengths. */
GRADSIGN_API int gradsign_sign_step(gradsign_address out, gradsign_address x, gradsign_address gradient,
                                    long long count, float epsilon, float lo, float hi);

/* The element-wise steps of the gradient attacks. Each operation rounds every product and sum on its
   own (no fused multiply-add), and clips with Java's max and min (NaN in, NaN out; -0 below +0), so
   the CPU backend's twins give the same bits. The caller has checked alpha, epsilon >= 0 and finite,
   decay >= 0 and finite, lo <= hi, the lengths and the overlaps. */

/* BIM, PGD L-infinity: out = clip(clip(x + alpha * sign(gradient), origin - epsilon, origin + epsilon),
   lo, hi), count floats each, one pass (16 bytes per element); origin -+ epsilon rounded once each.
   out may be x (or another input, the same range exactly). */
GRADSIGN_API int gradsign_projected_sign_step(gradsign_address out, gradsign_address x, gradsign_address origin,
                                              gradsign_address gradient, long long count, float alpha,
                                              float epsilon, float lo, float hi);

/* FGM, PGD L2: batch samples of sample_size floats each. Per sample: y = x + (alpha / |g|_2) * g (y = x
   where |g|_2 = 0); d = y - origin; p = origin + d * (epsilon / |d|_2) where |d|_2 > epsilon, else y;
   out = clip(p, lo, hi). A norm is its sum of squares accumulated in double in a fixed order (thread t
   of 256 takes elements t, t + 256, ...; the 256 partial sums then pairwise, s = 128, 64, ..., 1),
   rounded to float once, then a float square root; the two scale factors are one float division each
   per sample. out may be x (or another input, the same range exactly). */
GRADSIGN_API int gradsign_l2_step(gradsign_address out, gradsign_address x, gradsign_address origin,
                                  gradsign_address gradient, long long batch, long long sample_size, float alpha,
                                  float epsilon, float lo, float hi);

/* MI-FGSM: batch samples of sample_size floats each. Per sample: l1 = sum |g| (double, the order of
   gradsign_l2_step's sums, rounded to float once); momentum = decay * momentum + g / l1 (decay * momentum
   where l1 = 0); out = gradsign_projected_sign_step's formula with sign(momentum). momentum is read and
   written in place and overlaps nothing else; out may be x (or another input, the same range exactly). */
GRADSIGN_API int gradsign_momentum_sign_step(gradsign_address out, gradsign_address momentum, gradsign_address x,
                                             gradsign_address origin, gradsign_address gradient, long long batch,
                                             long long sample_size, float decay, float alpha, float epsilon,
                                             float lo, float hi);

/* APGD's L-infinity step (Croce and Hein 2020): batch samples of sample_size floats, step_sizes (batch) the
   per-sample eta. Per element, x = current: z = clip(clip(x + eta * sign(gradient), origin - epsilon,
   origin + epsilon), lo, hi); w = (x + momentum * (z - x)) + (1 - momentum) * (x - previous), 1 - momentum
   rounded once; next = clip(clip(w, origin - epsilon, origin + epsilon), lo, hi). Every product and sum
   rounded on its own in that order. next may be current or previous (the same range exactly). */
GRADSIGN_API int gradsign_apgd_step(gradsign_address next, gradsign_address current, gradsign_address previous,
                                    gradsign_address origin, gradsign_address gradient, gradsign_address step_sizes,
                                    long long batch, long long sample_size, float momentum, float epsilon, float lo,
                                    float hi);

/* Activations fused into gradsign_dense_forward and gradsign_conv2d_forward, applied alone by
   gradsign_activation_forward and undone by gradsign_activation_backward (from the activation's
   output y). */
#define GRADSIGN_ACTIVATION_NONE 0
#define GRADSIGN_ACTIVATION_RELU 1      /* y = max(v, 0), NaN kept; derivative from y: y > 0 */
#define GRADSIGN_ACTIVATION_TANH 2      /* y = tanh(v); derivative from y: 1 - y*y */
#define GRADSIGN_ACTIVATION_SIGMOID 3   /* y = 1/(1+exp(-v)); derivative from y: y*(1-y) */

/* The size in bytes of a dense product's scratch: device memory the products below use when they
   split their contraction (small batches). Each concurrent caller needs its own, allocated with
   gradsign_malloc and zeroed with gradsign_memset once; the products leave it zeroed. Launches that
   share one scratch must run one at a time in launch order (as on the legacy default stream, which
   every call here uses); launches on different scratch may run at once, from any threads. */
GRADSIGN_API int gradsign_dense_scratch_bytes(long long* bytes);

/* y (batch, out) = activation(x (batch, in) . weights^T + bias); weights (out, in) row-major,
   bias (out). y must not overlap the inputs. scratch: see gradsign_dense_scratch_bytes (not null). */
GRADSIGN_API int gradsign_dense_forward(gradsign_address y, gradsign_address x, gradsign_address weights,
                                        gradsign_address bias, int batch, int in_features, int out_features,
                                        int activation, gradsign_address scratch);

/* dx (batch, in) = dy (batch, out) . weights (out, in): the gradient of the loss at the layer's input. */
GRADSIGN_API int gradsign_dense_backward_input(gradsign_address dx, gradsign_address dy, gradsign_address weights,
                                               int batch, int in_features, int out_features, gradsign_address scratch);

/* gradsign_dense_backward_input, then gradsign_activation_backward(dx, dx, below, batch * in,
   activation): the same bits, in one kernel for a batch of up to 8. below (batch, in) is the output of
   the activation under the layer, so dx is the gradient at that activation's input. */
GRADSIGN_API int gradsign_dense_backward_input_activation(gradsign_address dx, gradsign_address dy,
                                                          gradsign_address weights, gradsign_address below,
                                                          int activation, int batch, int in_features,
                                                          int out_features, gradsign_address scratch);

/* gradsign_dense_backward_input, then gradsign_sign_step(out, x, dx, batch * in, epsilon, lo, hi): the
   same bits, in one kernel for a batch of up to 8: the last two operations of an FGSM step. out may be
   x; the caller has checked what gradsign_sign_step's caller checks. */
GRADSIGN_API int gradsign_dense_backward_input_sign_step(gradsign_address out, gradsign_address x,
                                                         gradsign_address dx, gradsign_address dy,
                                                         gradsign_address weights, int batch, int in_features,
                                                         int out_features, float epsilon, float lo, float hi,
                                                         gradsign_address scratch);

/* dweights (out, in) = dy^T . x and dbias (out) = sum of dy over the batch, both overwritten. */
GRADSIGN_API int gradsign_dense_backward_weights(gradsign_address dweights, gradsign_address dbias,
                                                 gradsign_address dy, gradsign_address x, int batch,
                                                 int in_features, int out_features, gradsign_address scratch);

/* y = f(x), count floats each; y may be x. */
GRADSIGN_API int gradsign_activation_forward(gradsign_address y, gradsign_address x, long long count, int activation);

/* dpre = dy * f'(pre) from the activation's output y (count floats); dpre may be dy. */
GRADSIGN_API int gradsign_activation_backward(gradsign_address dpre, gradsign_address dy, gradsign_address y,
                                              long long count, int activation);

/* 2-D convolution as PyTorch's conv2d (a cross-correlation, zero padding), NCHW row-major:
   x (n, c, h, w), weights (k, c, r, s), bias (k), y (n, k, p, q) with p = (h + 2*pad_h - r)/stride_h + 1
   and q = (w + 2*pad_w - s)/stride_w + 1. Sizes must be >= 0, r, s and the strides >= 1, padding >= 0,
   the kernel no larger than the padded image and every tensor under 2^31 - 2^16 elements; n == 0 does
   nothing. Sums run in float, in an order that depends on the shape alone (the same bits every run).
   No output may overlap an input.
   y = activation(conv(x, weights) + bias); bias 0 adds nothing. */
GRADSIGN_API int gradsign_conv2d_forward(gradsign_address y, gradsign_address x, gradsign_address weights,
                                         gradsign_address bias, int n, int c, int h, int w, int k, int r, int s,
                                         int stride_h, int stride_w, int pad_h, int pad_w, int activation);

/* dx (n, c, h, w) = the gradient at x of the convolution above, from dy (n, k, p, q); overwritten. */
GRADSIGN_API int gradsign_conv2d_backward_input(gradsign_address dx, gradsign_address dy, gradsign_address weights,
                                                int n, int c, int h, int w, int k, int r, int s, int stride_h,
                                                int stride_w, int pad_h, int pad_w);

/* dweights (k, c, r, s) = sum over n, p, q of dy * the input under each tap; dbias (k) = sum of dy over
   n, p, q; both overwritten (zeros for n == 0); dbias 0 skips the bias. */
GRADSIGN_API int gradsign_conv2d_backward_weights(gradsign_address dweights, gradsign_address dbias,
                                                  gradsign_address dy, gradsign_address x, int n, int c, int h,
                                                  int w, int k, int r, int s, int stride_h, int stride_w, int pad_h,
                                                  int pad_w);

/* 2-D pooling without padding, floor mode: x (n, c, h, w), y (n, c, p, q) with p = (h - kh)/sh + 1 and
   q = (w - kw)/sw + 1 (a window that would run past the edge is dropped). Sizes must be >= 0, the window
   and strides >= 1, the window no larger than the image and x under 2^31 - 2^16 elements; n == 0 does
   nothing. The results are exact functions of the inputs (the same bits as the CPU twin): */

/* y = the maximum of each window, argmax (n, c, p, q, int32) = its index iy*w + ix within the input
   plane. The window is scanned row-major from its first element; a later v replaces the best when
   v > best or v is NaN (PyTorch's rule: NaN wins, the first of equal values stays). */
GRADSIGN_API int gradsign_max_pool2d_forward(gradsign_address y, gradsign_address argmax, gradsign_address x, int n,
                                             int c, int h, int w, int kh, int kw, int sh, int sw);

/* dx (n, c, h, w), overwritten: dx[i] = 0.0f + the dy of every window whose argmax is i, added in
   row-major window order (a gather, no atomics); 0 where no window chose i. */
GRADSIGN_API int gradsign_max_pool2d_backward(gradsign_address dx, gradsign_address dy, gradsign_address argmax,
                                              int n, int c, int h, int w, int kh, int kw, int sh, int sw);

/* y = (0.0f + the window's elements added in row-major order) / (float)(kh*kw). */
GRADSIGN_API int gradsign_avg_pool2d_forward(gradsign_address y, gradsign_address x, int n, int c, int h, int w,
                                             int kh, int kw, int sh, int sw);

/* dx (n, c, h, w), overwritten: dx[i] = 0.0f + dy[py, px] / (float)(kh*kw) for every window (py, px)
   containing i, added in row-major window order; 0 where no window covers i. */
GRADSIGN_API int gradsign_avg_pool2d_backward(gradsign_address dx, gradsign_address dy, int n, int c, int h, int w,
                                              int kh, int kw, int sh, int sw);

/* Softmax, cross-entropy and its gradient in one pass over logits (batch, classes); labels are
   (batch) int32 in [0, classes). losses (batch) = -log p[label]; dlogits = gradient_scale * (p - onehot),
   skipped when dlogits is 0. */
GRADSIGN_API int gradsign_softmax_cross_entropy(gradsign_address probabilities, gradsign_address losses,
                                                gradsign_address dlogits, gradsign_address logits,
                                                gradsign_address labels, int batch, int classes,
                                                float gradient_scale);

/* KL(p || q) per row of p_logits and q_logits (batch, classes), p and q their softmaxes: losses (batch)
   = sum p (log p - log q); dp = gradient_scale * p (log p - log q - KL), skipped when dp is 0;
   dq = gradient_scale * (q - p), skipped when dq is 0. log p is the log-softmax; a class whose p is 0
   adds nothing. */
GRADSIGN_API int gradsign_softmax_kl(gradsign_address losses, gradsign_address dp, gradsign_address dq,
                                     gradsign_address p_logits, gradsign_address q_logits, int batch, int classes,
                                     float gradient_scale);

/* The entropy of the softmax p per row of logits (batch, classes): entropies (batch) = -sum p log p;
   dlogits = gradient_scale * -p (log p + H), skipped when dlogits is 0. */
GRADSIGN_API int gradsign_softmax_entropy(gradsign_address entropies, gradsign_address dlogits,
                                          gradsign_address logits, int batch, int classes, float gradient_scale);

/* The DLR loss (Croce and Hein 2020) per row of logits (batch, classes), labels y and targets t (batch)
   int32 in [0, classes); targets 0 for the untargeted loss. With pi the order of a row descending (ties to
   the lower index): untargeted (classes >= 3) loss = -(z_y - z_j*) / (z_pi1 - z_pi3 + 1e-12), j* the first
   largest other than y; targeted (classes >= 4) loss = -(z_y - z_t) / (z_pi1 - 0.5 (z_pi3 + z_pi4) + 1e-12).
   dlogits = gradient_scale * the gradient with those indices held fixed, skipped when dlogits is 0. A row
   holding NaN gets a NaN loss and gradient. Every float operation rounded on its own (see cpu/DlrLoss.java). */
GRADSIGN_API int gradsign_dlr_loss(gradsign_address losses, gradsign_address dlogits, gradsign_address logits,
                                   gradsign_address labels, gradsign_address targets, int batch, int classes,
                                   float gradient_scale);

/* Carlini and Wagner's margin loss f6 per row of logits (batch, classes); labels (batch) int32 are the true
   classes (untargeted) or the targets; scales (batch) the per-sample constant c, 0 for 1. m = the first
   largest logit other than the label's (index j*); losses = max(z_y - m, -kappa) untargeted, max(m - z_t,
   -kappa) targeted; dlogits = scale at y and -scale at j* (untargeted), scale at j* and -scale at t
   (targeted), where the margin is above -kappa, 0 elsewhere; skipped when dlogits is 0. A row holding NaN
   gets a NaN loss and gradient. */
GRADSIGN_API int gradsign_cw_margin(gradsign_address losses, gradsign_address dlogits, gradsign_address logits,
                                    gradsign_address labels, gradsign_address scales, int batch, int classes,
                                    float kappa, int targeted);

/* One Adam step (Kingma and Ba 2015) of Carlini and Wagner's L2 attack (2017) on its tanh variables w, over
   count floats of w, m, v, adversarial (x', read and written), origin and gradient (dF/dx' of the scaled
   margin, read), no two overlapping. With half = (hi - lo) * 0.5, per element: d = x' - origin;
   g = gradient + (d + d); t = tanh(w); gw = g * (half * (1 - t * t)); m = beta1 m + (1 - beta1) gw;
   v = beta2 v + (1 - beta2) (gw * gw); w = w - (learning_rate (m correction1)) / (sqrt(v correction2) + eps);
   x' = lo + half (tanh(w) + 1). tanh is gradsign's own (cpu/CwAdam.java); every operation rounded on its
   own, so the bits are the CPU twin's. The caller has checked the arguments. */
GRADSIGN_API int gradsign_cw_adam_step(gradsign_address w, gradsign_address m, gradsign_address v,
                                       gradsign_address adversarial, gradsign_address origin, gradsign_address gradient,
                                       long long count, float learning_rate, float beta1, float beta2,
                                       float correction1, float correction2, float eps, float lo, float hi);

/* Per sample of batch samples of sample_size floats, d = a - b (b 0: d = a) rounded to float: l1 = sum |d|
   and the sum of squares in double in gradsign_l2_step's order, rounded to float once; l2 = the float
   square root of that float sum; linf = the float max of |d| (NaN if any is). Each output (batch) is
   skipped when 0. */
GRADSIGN_API int gradsign_sample_norms(gradsign_address l1, gradsign_address l2, gradsign_address linf,
                                       gradsign_address a, gradsign_address b, long long batch, long long sample_size);

/* For j < count: row destination_rows[j] of destination = row source_rows[j] of source, rows of
   row_length floats; the index lists are host int32 arrays, passed by value in the launches' parameters
   (480 entries per launch: no device allocation, no copy, no wait). The caller has checked the indices
   and that no written row is read by another entry. */
GRADSIGN_API int gradsign_copy_rows(gradsign_address destination, const int* destination_rows, gradsign_address source,
                                    const int* source_rows, long long count, long long row_length);

/* torch.optim.SGD (dampening 0, not Nesterov): g = gradient + weight_decay * parameters (g = gradient
   where weight_decay is 0); velocity = momentum * velocity + g; parameters -= learning_rate * velocity;
   every product and sum rounded on its own. */
GRADSIGN_API int gradsign_sgd_momentum(gradsign_address parameters, gradsign_address velocity,
                                       gradsign_address gradient, long long count, float learning_rate,
                                       float momentum, float weight_decay);

/* out = min(max(a * x + b * y, lo), hi) over count floats, the products and the sum rounded one by one,
   min and max as Java's (NaN in, NaN out; -0 below +0). out may be x or y (the same range exactly). */
GRADSIGN_API int gradsign_combine(gradsign_address out, float a, gradsign_address x, float b, gradsign_address y,
                                  long long count, float lo, float hi);

/* batch samples of sample_size floats: out = origin + scale * v / |v|_2 per sample (origin 0: out =
   factor * v). The norm as gradsign_l2_step's (double sum in its order, rounded to float once, float
   square root); where it is 0, out = origin (0 without one); else factor = scale / norm (one float
   division), the product and the sum rounded one by one. out may be origin or v (the same range exactly). */
GRADSIGN_API int gradsign_l2_normalize(gradsign_address out, gradsign_address origin, gradsign_address v,
                                       long long batch, long long sample_size, float scale);

/* Philox4x32-10 keyed by seed (low 32 bits first) at counter (i / 4 low, high, stream low, high):
   out[i] = low + (high - low) * u, u = (word i % 4 >> 8) * 2^-24; every operation rounded on its own. */
GRADSIGN_API int gradsign_random_uniform(gradsign_address out, long long count, long long seed, long long stream,
                                         float low, float high);

/* Philox4x32-10 as gradsign_random_uniform at counter (i / 2, stream): out[2k], out[2k + 1] = Box-Muller
   over block k's words in double with gradsign's own log, sin and cos (cpu/Philox.java gives the bits). */
GRADSIGN_API int gradsign_random_normal(gradsign_address out, long long count, long long seed, long long stream);

#ifdef __cplusplus
}
#endif

#endif /* GRADSIGN_H */
