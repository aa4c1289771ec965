// dense_cpu_test.cpp: the CPU backend's one-sample dense kernels (forward pass, backward pass to the
// input), for every instruction set this CPU has, against a double-precision reference, on shapes
// that are not multiples of any vector width, split in row ranges as threads split them, with
// gradients that are exactly zero (the rows the backward kernel skips); and the forward pass over
// transposed weights, which skips the inputs that are exactly zero: against the same reference, and bit
// for bit against its documented order of operations, whatever the split and the alignment.
#include <cmath>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "cpu_isa.h"
#include "gradsign_cpu.h"

namespace {

int passed = 0;
int failed = 0;

struct Variant {
    const char* name;
    void (*forward_one)(float*, const float*, const float*, const float*, int, int, int);
    void (*backward_input_rows)(float*, const float*, const float*, int, int, int);
    void (*forward_one_transposed)(float*, const float*, const float*, const float*, int, int, int, int);
    void (*backward_input_transposed)(float*, const float*, const float*, const float*, int, int, int, int);
    // whether this instruction set fuses a multiply and an add into one rounding (AVX2 and AVX-512 do)
    bool fma;
    // floats per vector
    int lanes;
};

std::vector<float> uniform(std::mt19937& random, size_t count, float lo, float hi) {
    std::uniform_real_distribution<float> distribution(lo, hi);
    std::vector<float> values(count);
    for (float& v : values) v = distribution(random);
    return values;
}

// |got - want| <= 1e-5 * scale + 1e-5 where scale is the sum of |terms| of that element (the bound of
// float rounding for any summation order); NaN never passes; an all-zero result where want is not fails
void check(const char* variant, const char* what, int in, int out, int batch, const std::vector<float>& got,
           const std::vector<double>& want, const std::vector<double>& scale) {
    size_t worst = 0;
    double worst_excess = -1;
    bool ok = true, any_nonzero_want = false, any_nonzero_got = false;
    for (size_t i = 0; i < want.size(); i++) {
        double bound = 1e-5 * scale[i] + 1e-5;
        double error = std::fabs(static_cast<double>(got[i]) - want[i]);
        if (!(error <= bound)) ok = false;
        double excess = std::isnan(error) ? INFINITY : error - bound;
        if (excess > worst_excess) {
            worst_excess = excess;
            worst = i;
        }
        any_nonzero_want |= want[i] != 0;
        any_nonzero_got |= got[i] != 0;
    }
    if (any_nonzero_want && !any_nonzero_got) ok = false;
    if (ok) {
        passed++;
        return;
    }
    failed++;
    std::printf("FAIL %s %s in=%d out=%d batch=%d: element %zu got %.9g want %.9g\n", variant, what, in, out, batch,
                worst, got[worst], want[worst]);
}

void forward_transposed(const Variant& v, std::mt19937& random, int in, int out, int batch,
                        const std::vector<float>& w, const std::vector<float>& bias, const std::vector<float>& x);

// y[s, r] = bias[r] + sum_i w[r, i] x[s, i] in double, and the sum of the terms' magnitudes (for check)
void forward_reference(const std::vector<float>& w, const std::vector<float>& bias, const std::vector<float>& x, int in,
                       int out, int batch, std::vector<double>& want, std::vector<double>& scale) {
    want.assign(static_cast<size_t>(batch) * out, 0);
    scale.assign(want.size(), 0);
    for (int s = 0; s < batch; s++) {
        for (int r = 0; r < out; r++) {
            double sum = bias[r], terms = std::fabs(sum);
            for (int i = 0; i < in; i++) {
                double term = static_cast<double>(w[static_cast<size_t>(r) * in + i]) * x[static_cast<size_t>(s) * in + i];
                sum += term;
                terms += std::fabs(term);
            }
            want[static_cast<size_t>(s) * out + r] = sum;
            scale[static_cast<size_t>(s) * out + r] = terms;
        }
    }
}
void backward_transposed(const Variant& v, std::mt19937& random, int in, int out, const float* wt,
                         const std::vector<float>& w, const float* x, const int* splits);

void run_shape(const Variant& v, std::mt19937& random, int in, int out, int batch) {
    std::vector<float> w = uniform(random, static_cast<size_t>(out) * in, -1, 1);
    std::vector<float> dy = uniform(random, static_cast<size_t>(batch) * out, -1, 1);
    // about a third of the output gradients exactly zero, as after a ReLU: the kernel skips those rows
    for (float& g : dy) {
        if (random() % 3 == 0) g = 0;
    }
    // reference: dx[s, i] = sum_r dy[s, r] w[r, i]
    std::vector<double> dx_want(static_cast<size_t>(batch) * in), dx_scale(dx_want.size());
    for (int s = 0; s < batch; s++) {
        for (int i = 0; i < in; i++) {
            double sum = 0, scale = 0;
            for (int r = 0; r < out; r++) {
                double term = static_cast<double>(dy[static_cast<size_t>(s) * out + r]) * w[static_cast<size_t>(r) * in + i];
                sum += term;
                scale += std::fabs(term);
            }
            dx_want[static_cast<size_t>(s) * in + i] = sum;
            dx_scale[static_cast<size_t>(s) * in + i] = scale;
        }
    }
    // one sample at a time, its output rows in three ranges as threads would split them (the first
    // possibly empty), each range's share in its own buffer, then added
    std::vector<float> dx(dx_want.size(), NAN);
    int splits[] = {0, out / 3, out / 2, out};
    for (int s = 0; s < batch; s++) {
        float* dxs = dx.data() + static_cast<size_t>(s) * in;
        const float* dys = dy.data() + static_cast<size_t>(s) * out;
        std::vector<float> share(static_cast<size_t>(in), NAN);
        v.backward_input_rows(dxs, w.data(), dys, in, splits[0], splits[1]);
        for (int k = 1; k < 3; k++) {
            std::fill(share.begin(), share.end(), NAN);
            v.backward_input_rows(share.data(), w.data(), dys, in, splits[k], splits[k + 1]);
            for (int i = 0; i < in; i++) dxs[i] += share[i];
        }
    }
    check(v.name, "dense_backward_input_rows", in, out, batch, dx, dx_want, dx_scale);

    // forward: y[s, r] = bias[r] + sum_i w[r, i] x[s, i], rows in the same three ranges
    std::vector<float> x = uniform(random, static_cast<size_t>(batch) * in, -1, 1);
    std::vector<float> bias = uniform(random, static_cast<size_t>(out), -1, 1);
    std::vector<double> y_want, y_scale;
    forward_reference(w, bias, x, in, out, batch, y_want, y_scale);
    std::vector<float> y(y_want.size(), NAN);
    for (int s = 0; s < batch; s++) {
        for (int k = 0; k < 3; k++) {
            v.forward_one(y.data() + static_cast<size_t>(s) * out, w.data(), bias.data(),
                          x.data() + static_cast<size_t>(s) * in, in, splits[k], splits[k + 1]);
        }
    }
    check(v.name, "dense_forward_one", in, out, batch, y, y_want, y_scale);

    // the same forward pass over the transposed weights, about half of the inputs exactly zero (as
    // Fashion-MNIST's background pixels, or the inputs after a ReLU): those terms are skipped
    std::vector<float> sparse = x;
    for (float& value : sparse) {
        if (random() % 2 == 0) value = random() % 2 ? 0.0f : -0.0f;
    }
    forward_transposed(v, random, in, out, batch, w, bias, sparse);
}

// each row: s = bias, then s += x[c] w[c] for the inputs c that are not zero, ascending, one rounding
// per step where the instruction set fuses them, two otherwise
float transposed_order(const Variant& v, const std::vector<float>& w, const std::vector<float>& bias,
                       const float* x, int in, int r) {
    float s = bias[r];
    for (int c = 0; c < in; c++) {
        if (x[c] == 0.0f) continue;
        float term = x[c] * w[static_cast<size_t>(r) * in + c];
        s = v.fma ? std::fma(x[c], w[static_cast<size_t>(r) * in + c], s) : s + term;
    }
    return s;
}

void forward_transposed(const Variant& v, std::mt19937& random, int in, int out, int batch,
                        const std::vector<float>& w, const std::vector<float>& bias, const std::vector<float>& x) {
    std::vector<double> want, scale;
    forward_reference(w, bias, x, in, out, batch, want, scale);
    // the transposed weights at every offset from a cache line (Java's arrays start 16 bytes past
    // one), the rows split in three ranges, then in ranges of 1, LANES - 1 and a random size
    for (int shift = 0; shift < 16; shift += 3) {
        std::vector<float> storage(static_cast<size_t>(in) * out + 16 + 32);
        float* wt = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(storage.data()) + 63) & ~uintptr_t{63}) + shift;
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) wt[static_cast<size_t>(c) * out + r] = w[static_cast<size_t>(r) * in + c];
        }
        int splits[] = {0, out / 3, out / 2, out};
        std::vector<float> y(want.size(), NAN), y_split(want.size(), NAN);
        for (int s = 0; s < batch; s++) {
            const float* xs = x.data() + static_cast<size_t>(s) * in;
            for (int k = 0; k < 3; k++) {
                v.forward_one_transposed(y.data() + static_cast<size_t>(s) * out, wt, bias.data(), xs, in, out,
                                         splits[k], splits[k + 1]);
            }
            for (int from = 0; from < out;) {
                int to = std::min(out, from + 1 + static_cast<int>(random() % 40));
                v.forward_one_transposed(y_split.data() + static_cast<size_t>(s) * out, wt, bias.data(), xs, in, out,
                                         from, to);
                from = to;
            }
        }
        check(v.name, "dense_forward_one_transposed", in, out, batch, y, want, scale);
        size_t mismatch = y.size();
        for (int s = 0; s < batch && mismatch == y.size(); s++) {
            for (int r = 0; r < out; r++) {
                size_t i = static_cast<size_t>(s) * out + r;
                float order = transposed_order(v, w, bias, x.data() + static_cast<size_t>(s) * in, in, r);
                if (std::memcmp(&y[i], &order, sizeof order) != 0 || std::memcmp(&y_split[i], &order, sizeof order) != 0) {
                    mismatch = i;
                    break;
                }
            }
        }
        (mismatch == y.size() ? passed : failed)++;
        if (mismatch != y.size()) {
            std::printf("FAIL %s dense_forward_one_transposed in=%d out=%d shift=%d: element %zu got %.9g (split %.9g), "
                        "not the bits of its order\n", v.name, in, out, shift, mismatch, y[mismatch], y_split[mismatch]);
        }
        backward_transposed(v, random, in, out, wt, w, x.data(), splits);
    }
}

// the backward kernel's documented order for input i over rows [from, to): lanes, halves, tail
float backward_order(const Variant& v, const std::vector<float>& w, const float* dy, int in, int i, int from, int to) {
    float lane[16] = {0};
    int length = to - from, j = 0;
    for (; j + v.lanes <= length; j += v.lanes) {
        for (int l = 0; l < v.lanes; l++) {
            float wv = w[static_cast<size_t>(from + j + l) * in + i], d = dy[from + j + l];
            float term = wv * d;
            lane[l] = v.fma ? std::fma(wv, d, lane[l]) : lane[l] + term;
        }
    }
    int width = v.lanes;
    while (width > 4) {
        width /= 2;
        for (int l = 0; l < width; l++) lane[l] = lane[l] + lane[l + width];
    }
    float s = (lane[0] + lane[2]) + (lane[1] + lane[3]);
    for (; j < length; j++) {
        float wv = w[static_cast<size_t>(from + j) * in + i], d = dy[from + j];
        float term = wv * d;
        s = v.fma ? std::fma(wv, d, s) : s + term;
    }
    return s;
}

// the backward pass over the same transposed weights: each range's share, zero where below is zero
void backward_transposed(const Variant& v, std::mt19937& random, int in, int out, const float* wt,
                         const std::vector<float>& w, const float* x, const int* splits) {
    std::vector<float> dy = uniform(random, static_cast<size_t>(out), -1, 1);
    for (float& g : dy) {
        if (random() % 3 == 0) g = 0;
    }
    for (int k = 0; k < 3; k++) {
        int from = splits[k], to = splits[k + 1];
        for (const float* below : {x, static_cast<const float*>(nullptr)}) {
            std::vector<float> dx(static_cast<size_t>(in), NAN);
            v.backward_input_transposed(dx.data(), wt, dy.data(), below, in, out, from, to);
            std::vector<double> want(static_cast<size_t>(in)), scale(want.size());
            int wrong = -1;
            for (int i = 0; i < in; i++) {
                bool wanted = below == nullptr || below[i] != 0.0f;
                double sum = 0, terms = 0;
                for (int r = from; r < to && wanted; r++) {
                    double term = static_cast<double>(dy[r]) * w[static_cast<size_t>(r) * in + i];
                    sum += term;
                    terms += std::fabs(term);
                }
                want[i] = sum;
                scale[i] = terms;
                float order = wanted ? backward_order(v, w, dy.data(), in, i, from, to) : 0.0f;
                if (wrong < 0 && std::memcmp(&order, &dx[i], sizeof order) != 0) wrong = i;
            }
            check(v.name, "dense_backward_input_transposed", in, out, 1, dx, want, scale);
            (wrong < 0 ? passed : failed)++;
            if (wrong >= 0) {
                std::printf("FAIL %s dense_backward_input_transposed in=%d out=%d rows [%d, %d): element %d got %.9g, "
                            "not the bits of its order\n", v.name, in, out, from, to, wrong, dx[wrong]);
            }
        }
    }
}

}  // namespace

int main() {
    std::vector<Variant> variants = {
        {"generic", gradsign_cpu_dense_forward_one_generic, gradsign_cpu_dense_backward_input_rows_generic,
         gradsign_cpu_dense_forward_one_transposed_generic, gradsign_cpu_dense_backward_input_transposed_generic,
         false, 4}};
#if defined(__x86_64__) || defined(__i386__)
    if (runs_avx2()) {
        variants.push_back({"avx2", gradsign_cpu_dense_forward_one_avx2, gradsign_cpu_dense_backward_input_rows_avx2,
                            gradsign_cpu_dense_forward_one_transposed_avx2,
                            gradsign_cpu_dense_backward_input_transposed_avx2, true, 8});
    }
    if (runs_avx512()) {
        variants.push_back(
            {"avx512", gradsign_cpu_dense_forward_one_avx512, gradsign_cpu_dense_backward_input_rows_avx512,
             gradsign_cpu_dense_forward_one_transposed_avx512, gradsign_cpu_dense_backward_input_transposed_avx512,
             true, 16});
    }
#endif
    const int ins[] = {1, 3, 8, 15, 16, 17, 33, 100, 129, 784};
    const int outs[] = {1, 2, 3, 4, 5, 10, 16, 37};
    const int batches[] = {1, 2, 7};
    unsigned seed = 20261125;
    std::printf("seed %u\n", seed);
    std::mt19937 random(seed);
    for (const Variant& v : variants) {
        for (int in : ins)
            for (int out : outs)
                for (int batch : batches) run_shape(v, random, in, out, batch);
        // the MLP's large layers, one sample
        run_shape(v, random, 784, 512, 1);
        run_shape(v, random, 512, 512, 1);
        // wider than the backward kernel's chunk of 2048 columns
        run_shape(v, random, 4500, 37, 2);
        // more rows than the backward kernel lists at once (1024)
        run_shape(v, random, 40, 2500, 1);
        // every output gradient zero: dx is written, all zeros, though no row is read
        std::vector<float> w = uniform(random, 5 * 37, -1, 1), dy(5, 0.0f), dx(37, NAN);
        v.backward_input_rows(dx.data(), w.data(), dy.data(), 37, 0, 5);
        bool zeros = true;
        for (float d : dx) zeros &= d == 0.0f;
        (zeros ? passed : failed)++;
        if (!zeros) std::printf("FAIL %s dense_backward_input_rows with every gradient zero\n", v.name);
    }
    // the dispatcher: the best ISA by default, lower ones on request, never one the CPU lacks
    int best = gradsign_cpu_isa();
    bool dispatch_ok = gradsign_cpu_use_isa(GRADSIGN_CPU_ISA_GENERIC) == GRADSIGN_CPU_ISA_GENERIC &&
                       gradsign_cpu_use_isa(GRADSIGN_CPU_ISA_AVX512 + 1) == best &&
                       static_cast<int>(variants.size()) == best + 1;
    (dispatch_ok ? passed : failed)++;
    if (!dispatch_ok) std::printf("FAIL dispatch: best isa %s\n", gradsign_cpu_isa_name(best));
    std::printf("dense_cpu_test: %d passed, %d failed (dispatch picks %s)\n", passed, failed,
                gradsign_cpu_isa_name(best));
    return failed == 0 ? 0 : 1;
}
