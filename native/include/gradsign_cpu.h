/* gradsign_cpu.h: the CPU backend's own dense kernels, for the shapes where a BLAS call costs more
   than the work (one sample; layers of at most GRADSIGN_CPU_THIN_OUTPUTS outputs). Matrices are
   row-major; weights are (out, in) as in the CUDA kernels. Each call covers a range of rows or of
   samples, so the Java side splits one product over cores. Sizes are checked by the caller. */
#ifndef GRADSIGN_CPU_H
#define GRADSIGN_CPU_H

#ifdef __cplusplus
extern "C" {
#endif

/* layers up to this many outputs take the thin kernels at every batch size */
#define GRADSIGN_CPU_THIN_OUTPUTS 16

/* instruction sets, best last; the kernels are compiled once for each */
#define GRADSIGN_CPU_ISA_GENERIC 0
#define GRADSIGN_CPU_ISA_AVX2 1
#define GRADSIGN_CPU_ISA_AVX512 2

/* y[r] = bias[r] + weights[r, :] . x for r in [row_from, row_to): one sample's forward pass over a
   range of output rows; x (in), y (out), weights (out, in), bias (out) or NULL for none */
void gradsign_cpu_dense_forward_one(float* y, const float* weights, const float* bias, const float* x, int in,
                                    int row_from, int row_to);

/* y[s] = bias + weights . x[s] for samples s in [sample_from, sample_to): x (batch, in), y (batch, out) */
void gradsign_cpu_dense_forward_thin(float* y, const float* x, const float* weights, const float* bias, int in,
                                     int out, int sample_from, int sample_to);

/* dx[c] = sum over rows r of dy[r] * weights[r, c] for c in [column_from, column_to): one sample's
   backward pass to the input over a range of input columns; dx (in), dy (out). Rows whose dy is
   exactly 0 (ReLU's inactive units) are skipped: their weights are not read, so a non-finite weight
   there does not reach dx. */
void gradsign_cpu_dense_backward_input_one(float* dx, const float* weights, const float* dy, int in, int out,
                                           int column_from, int column_to);

/* dx[s] = sum over k of dy[s, k] * weights[k, :] for samples s in [sample_from, sample_to):
   dy (batch, out), dx (batch, in) */
void gradsign_cpu_dense_backward_input_thin(float* dx, const float* dy, const float* weights, int in, int out,
                                            int sample_from, int sample_to);

/* out[i] = clip(x[i] + epsilon * sign(gradient[i]), lo, hi) for i < count: the CPU twin of the
   CUDA kernel sign_step (native/src/sign_step.cu), the same bits (Java's max and min: NaN in, NaN
   out; +0 above -0); lo and hi are not NaN; out may be x or gradient */
void gradsign_cpu_sign_step(float* out, const float* x, const float* gradient, long long count, float epsilon,
                            float lo, float hi);

/* the index of the first infinite or NaN value, -1 if all count values are finite */
long long gradsign_cpu_first_non_finite(const float* values, long long count);

/* the instruction set the calls above use: the best this CPU has, or the one set by the call below */
int gradsign_cpu_isa(void);

/* uses isa, or the best this CPU has below it (tests run every variant); returns the one in use */
int gradsign_cpu_use_isa(int isa);

/* "avx512", "avx2" or "generic" */
const char* gradsign_cpu_isa_name(int isa);

/* the same kernels compiled for one instruction set, for tests; the CPU must have it */
#define GRADSIGN_CPU_DECLARE_VARIANT(suffix)                                                                          \
    void gradsign_cpu_dense_forward_one_##suffix(float*, const float*, const float*, const float*, int, int, int);   \
    void gradsign_cpu_dense_forward_thin_##suffix(float*, const float*, const float*, const float*, int, int, int,   \
                                                  int);                                                                \
    void gradsign_cpu_dense_backward_input_one_##suffix(float*, const float*, const float*, int, int, int, int);     \
    void gradsign_cpu_dense_backward_input_thin_##suffix(float*, const float*, const float*, int, int, int, int);     \
    void gradsign_cpu_sign_step_##suffix(float*, const float*, const float*, long long, float, float, float);         \
    long long gradsign_cpu_first_non_finite_##suffix(const float*, long long);
GRADSIGN_CPU_DECLARE_VARIANT(generic)
GRADSIGN_CPU_DECLARE_VARIANT(avx2)
GRADSIGN_CPU_DECLARE_VARIANT(avx512)

#ifdef __cplusplus
}
#endif

#endif /* GRADSIGN_CPU_H */
