// pool_test.cpp: gradsign_max_pool2d_* and gradsign_avg_pool2d_* through the C API against a float host reference that follows the same rules, bit for bit.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

// x (n, c, h, w), y (n, c, p, q)
struct Shape {
    int n, c, h, w, kh, kw, sh, sw;
    int p() const { return (h - kh) / sh + 1; }
    int q() const { return (w - kw) / sw + 1; }
    int planes() const { return n * c; }
    size_t x_count() const { return static_cast<size_t>(planes()) * h * w; }
    size_t y_count() const { return static_cast<size_t>(planes()) * p() * q(); }
};

// The references walk the windows (plane, oy, ox) in row-major order and scatter into dx; the
// kernels gather per input element. For every element the order of the terms is the same (row-major
// window order), so the two must agree bit for bit, signed zeros and NaN included.
void max_pool2d_forward(const Shape& g, const std::vector<float>& x, std::vector<float>& y, std::vector<int>& argmax) {
    y.assign(g.y_count(), 0.0f);
    argmax.assign(g.y_count(), -1);
    for (int plane = 0; plane < g.planes(); ++plane)
        for (int oy = 0; oy < g.p(); ++oy)
            for (int ox = 0; ox < g.q(); ++ox) {
                const float* in = x.data() + static_cast<size_t>(plane) * g.h * g.w;
                int best_index = oy * g.sh * g.w + ox * g.sw;
                float best = in[best_index];
                for (int dy = 0; dy < g.kh; ++dy)
                    for (int dx = 0; dx < g.kw; ++dx) {
                        if (dy == 0 && dx == 0) continue;  // the first element is where the scan starts
                        const int index = (oy * g.sh + dy) * g.w + ox * g.sw + dx;
                        const float v = in[index];
                        if (v > best || std::isnan(v)) {
                            best = v;
                            best_index = index;
                        }
                    }
                const size_t o = (static_cast<size_t>(plane) * g.p() + oy) * g.q() + ox;
                y[o] = best;
                argmax[o] = best_index;
            }
}

std::vector<float> max_pool2d_backward(const Shape& g, const std::vector<float>& dy, const std::vector<int>& argmax) {
    std::vector<float> dx(g.x_count(), 0.0f);
    for (int plane = 0; plane < g.planes(); ++plane)
        for (int oy = 0; oy < g.p(); ++oy)
            for (int ox = 0; ox < g.q(); ++ox) {
                const size_t o = (static_cast<size_t>(plane) * g.p() + oy) * g.q() + ox;
                dx[static_cast<size_t>(plane) * g.h * g.w + argmax[o]] += dy[o];
            }
    return dx;
}

std::vector<float> avg_pool2d_forward(const Shape& g, const std::vector<float>& x) {
    std::vector<float> y(g.y_count());
    const float area = static_cast<float>(g.kh * g.kw);
    for (int plane = 0; plane < g.planes(); ++plane)
        for (int oy = 0; oy < g.p(); ++oy)
            for (int ox = 0; ox < g.q(); ++ox) {
                float sum = 0.0f;
                for (int dy = 0; dy < g.kh; ++dy)
                    for (int dx = 0; dx < g.kw; ++dx) {
                        sum += x[(static_cast<size_t>(plane) * g.h + oy * g.sh + dy) * g.w + ox * g.sw + dx];
                    }
                y[(static_cast<size_t>(plane) * g.p() + oy) * g.q() + ox] = sum / area;
            }
    return y;
}

std::vector<float> avg_pool2d_backward(const Shape& g, const std::vector<float>& dy) {
    std::vector<float> dx(g.x_count(), 0.0f);
    const float area = static_cast<float>(g.kh * g.kw);
    for (int plane = 0; plane < g.planes(); ++plane)
        for (int oy = 0; oy < g.p(); ++oy)
            for (int ox = 0; ox < g.q(); ++ox) {
                const float share = dy[(static_cast<size_t>(plane) * g.p() + oy) * g.q() + ox] / area;
                for (int ty = 0; ty < g.kh; ++ty)
                    for (int tx = 0; tx < g.kw; ++tx) {
                        dx[(static_cast<size_t>(plane) * g.h + oy * g.sh + ty) * g.w + ox * g.sw + tx] += share;
                    }
            }
    return dx;
}

// Values with many ties: multiples of 0.25 in [-2, 2], a share of them -0 and +0, and (with_nan) a
// NaN in about one element of 23, so that some windows hold two. Its payload differs from the
// poison's (test::poisoned), so an element a kernel leaves unwritten still differs. seed is printed
// with the shape.
std::vector<float> draw(unsigned seed, size_t count, bool with_nan) {
    const float drawn_nan = std::nanf("7");
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> steps(-8, 8);
    std::vector<float> values(count);
    for (size_t i = 0; i < count; ++i) {
        const int step = steps(random);
        values[i] = step == 0 && (random() & 1) ? -0.0f : 0.25f * static_cast<float>(step);
        if (with_nan && random() % 23 == 0) values[i] = drawn_nan;
    }
    return values;
}

bool check_bits(const char* what, const void* got, const void* want, size_t count, bool ints) {
    size_t differ = 0, first = 0;
    for (size_t i = count; i-- > 0;) {
        if (std::memcmp(static_cast<const char*>(got) + 4 * i, static_cast<const char*>(want) + 4 * i, 4) != 0) {
            ++differ;
            first = i;
        }
    }
    const bool ok = differ == 0;
    std::printf("%s %s: %zu of %zu differ", ok ? "ok  " : "FAIL", what, differ, count);
    if (!ok && ints) {
        std::printf(" (first [%zu]: got %d want %d)", first, static_cast<const int*>(got)[first],
                    static_cast<const int*>(want)[first]);
    } else if (!ok) {
        std::printf(" (first [%zu]: got %a want %a)", first, static_cast<const float*>(got)[first],
                    static_cast<const float*>(want)[first]);
    }
    std::printf("\n");
    (ok ? test::passed : test::failed)++;
    return ok;
}

// a test that cannot fail is a defect: the reference itself must not be all zeros
void check_meaningful(const char* what, const std::vector<float>& want) {
    size_t nonzero = 0;
    for (float v : want) nonzero += v != 0.0f;  // NaN counts: its bits differ from the poison's
    const bool ok = nonzero > 0;
    std::printf("%s %s: %zu non-zero expected values\n", ok ? "ok  " : "FAIL", what, nonzero);
    (ok ? test::passed : test::failed)++;
}

std::vector<int> download_ints(gradsign_address address, size_t count) {
    std::vector<int> host(count);
    if (count > 0) gradsign_copy_to_host(reinterpret_cast<float*>(host.data()), address, static_cast<long long>(count));
    return host;
}

#define POOL_ARGS(g) g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw

void check_shape(const Shape& g, unsigned seed, bool with_nan) {
    std::printf("shape n=%d c=%d %dx%d window %dx%d stride %dx%d -> %dx%d%s seed=%u\n", g.n, g.c, g.h, g.w, g.kh, g.kw,
                g.sh, g.sw, g.p(), g.q(), with_nan ? " with NaN" : "", seed);
    const std::vector<float> x = draw(seed, g.x_count(), with_nan);
    const std::vector<float> dy = draw(seed + 1, g.y_count(), false);
    const gradsign_address d_x = test::upload(x), d_dy = test::upload(dy);
    char what[200];
    auto name = [&](const char* operation) {
        std::snprintf(what, sizeof(what), "%s n=%d c=%d %dx%d window %dx%d stride %dx%d%s", operation, g.n, g.c, g.h,
                      g.w, g.kh, g.kw, g.sh, g.sw, with_nan ? " NaN" : "");
        return what;
    };

    std::vector<float> want_y;
    std::vector<int> want_argmax;
    max_pool2d_forward(g, x, want_y, want_argmax);
    {
        const gradsign_address d_y = test::poisoned(g.y_count()), d_argmax = test::poisoned(g.y_count());
        test::check_status(name("max_pool2d_forward"),
                           gradsign_max_pool2d_forward(d_y, d_argmax, d_x, POOL_ARGS(g)));
        check_bits(name("max_pool2d_forward y"), test::download(d_y, g.y_count()).data(), want_y.data(), g.y_count(),
                   false);
        check_bits(name("max_pool2d_forward argmax"), download_ints(d_argmax, g.y_count()).data(), want_argmax.data(),
                   g.y_count(), true);
        check_meaningful(name("max_pool2d_forward"), want_y);
        gradsign_free(d_y);
        gradsign_free(d_argmax);
    }
    {
        // from the reference's argmax, so that this checks the backward pass alone
        const gradsign_address d_argmax = test::upload(want_argmax), d_dx = test::poisoned(g.x_count());
        test::check_status(name("max_pool2d_backward"), gradsign_max_pool2d_backward(d_dx, d_dy, d_argmax, POOL_ARGS(g)));
        const std::vector<float> want = max_pool2d_backward(g, dy, want_argmax);
        check_bits(name("max_pool2d_backward"), test::download(d_dx, g.x_count()).data(), want.data(), g.x_count(),
                   false);
        check_meaningful(name("max_pool2d_backward"), want);
        gradsign_free(d_argmax);
        gradsign_free(d_dx);
    }
    {
        const gradsign_address d_y = test::poisoned(g.y_count());
        test::check_status(name("avg_pool2d_forward"), gradsign_avg_pool2d_forward(d_y, d_x, POOL_ARGS(g)));
        const std::vector<float> want = avg_pool2d_forward(g, x);
        check_bits(name("avg_pool2d_forward"), test::download(d_y, g.y_count()).data(), want.data(), g.y_count(), false);
        check_meaningful(name("avg_pool2d_forward"), want);
        gradsign_free(d_y);
    }
    {
        const gradsign_address d_dx = test::poisoned(g.x_count());
        test::check_status(name("avg_pool2d_backward"), gradsign_avg_pool2d_backward(d_dx, d_dy, POOL_ARGS(g)));
        const std::vector<float> want = avg_pool2d_backward(g, dy);
        check_bits(name("avg_pool2d_backward"), test::download(d_dx, g.x_count()).data(), want.data(), g.x_count(),
                   false);
        check_meaningful(name("avg_pool2d_backward"), want);
        gradsign_free(d_dx);
    }
    gradsign_free(d_x);
    gradsign_free(d_dy);
}

// the rules on one hand-made window each: NaN wins and a later NaN replaces an earlier one, the
// first of equal values stays (also +0 before -0), and y is x at argmax (the NaN's own bits)
void check_rules() {
    const Shape g{1, 1, 2, 8, 2, 2, 2, 2};  // four 2x2 windows side by side
    const float nan_a = std::nanf("1"), nan_b = std::nanf("2");
    // row-major 2x8: window 0 = {1, NaN_a / 5, NaN_b}; window 1 = {3, 3 / 3, 3}; window 2 = {+0, -0 / -0, +0};
    // window 3 = {-1, -2 / -1, -3}
    const std::vector<float> x = {1.0f, nan_a, 3.0f, 3.0f, 0.0f, -0.0f, -1.0f, -2.0f,
                                  5.0f, nan_b, 3.0f, 3.0f, -0.0f, 0.0f, -1.0f, -3.0f};
    const std::vector<int> want_argmax = {9, 2, 4, 6};
    const gradsign_address d_x = test::upload(x), d_y = test::poisoned(4), d_argmax = test::poisoned(4);
    test::check_status("max_pool2d_forward rules", gradsign_max_pool2d_forward(d_y, d_argmax, d_x, POOL_ARGS(g)));
    const std::vector<int> argmax = download_ints(d_argmax, 4);
    check_bits("max_pool2d_forward rules: argmax (later NaN, first tie, +0 before -0)", argmax.data(),
               want_argmax.data(), 4, true);
    const std::vector<float> want_y = {nan_b, 3.0f, 0.0f, -1.0f};
    check_bits("max_pool2d_forward rules: y is x at argmax", test::download(d_y, 4).data(), want_y.data(), 4, false);
    for (gradsign_address a : {d_x, d_y, d_argmax}) gradsign_free(a);
}

// n = 0 (and c = 0) does nothing and succeeds
void check_empty() {
    const gradsign_address dummy = test::poisoned(16);
    test::check_status("max_pool2d_forward n=0", gradsign_max_pool2d_forward(dummy, dummy, dummy, 0, 3, 4, 4, 2, 2, 2, 2));
    test::check_status("max_pool2d_backward n=0", gradsign_max_pool2d_backward(dummy, dummy, dummy, 0, 3, 4, 4, 2, 2, 2, 2));
    test::check_status("avg_pool2d_forward n=0", gradsign_avg_pool2d_forward(dummy, dummy, 0, 3, 4, 4, 2, 2, 2, 2));
    test::check_status("avg_pool2d_backward c=0", gradsign_avg_pool2d_backward(dummy, dummy, 2, 0, 4, 4, 2, 2, 2, 2));
    const bool untouched = std::isnan(test::download(dummy, 16)[0]);
    std::printf("%s pool n=0 wrote nothing\n", untouched ? "ok  " : "FAIL");
    (untouched ? test::passed : test::failed)++;
    gradsign_free(dummy);
}

void check_refused() {
    const gradsign_address dummy = test::poisoned(16);
    struct Call {
        const char* what;
        int status;
    };
    const Call calls[] = {
        {"max_pool2d_forward n -1", gradsign_max_pool2d_forward(dummy, dummy, dummy, -1, 1, 4, 4, 2, 2, 2, 2)},
        {"max_pool2d_forward window past the image", gradsign_max_pool2d_forward(dummy, dummy, dummy, 1, 1, 4, 4, 5, 2, 2, 2)},
        {"max_pool2d_backward stride 0", gradsign_max_pool2d_backward(dummy, dummy, dummy, 1, 1, 4, 4, 2, 2, 0, 2)},
        {"avg_pool2d_forward window 0", gradsign_avg_pool2d_forward(dummy, dummy, 1, 1, 4, 4, 2, 0, 2, 2)},
        {"avg_pool2d_forward 2^31 elements", gradsign_avg_pool2d_forward(dummy, dummy, 65536, 1, 256, 128, 2, 2, 2, 2)},
        {"avg_pool2d_backward w -4", gradsign_avg_pool2d_backward(dummy, dummy, 1, 1, 4, -4, 2, 2, 2, 2)},
    };
    for (const Call& call : calls) {
        const bool ok = call.status == GRADSIGN_ERROR_INVALID_ARGUMENT;
        std::printf("%s refused %s: status %d (%s)\n", ok ? "ok  " : "FAIL", call.what, call.status,
                    gradsign_last_error_message());
        (ok ? test::passed : test::failed)++;
    }
    gradsign_free(dummy);
}

}  // namespace

int main() {
    test::require_device();
    // n, c, h, w, kh, kw, sh, sw
    const Shape shapes[] = {
        {1, 1, 7, 7, 2, 2, 2, 2},      // windows that do not divide the image: the last row and column dropped
        {3, 3, 7, 7, 3, 3, 2, 2},      // overlapping 3x3 windows, stride 2
        {2, 5, 9, 11, 3, 3, 1, 1},     // stride 1: every inner element in nine windows
        {1, 7, 8, 13, 2, 3, 1, 2},     // non-square window and strides
        {2, 3, 28, 28, 2, 2, 2, 2},    // the usual pool 2
        {1, 2, 10, 10, 4, 4, 3, 3},    // overlapping by one
        {1, 1, 5, 6, 5, 6, 1, 1},      // one window, the whole image
        {4, 16, 33, 31, 3, 2, 2, 3},   // gaps between windows across (stride > window)
        {2, 3, 1, 1, 1, 1, 1, 1},      // one element per plane
        {8, 40, 64, 64, 2, 2, 2, 2},   // more windows than one pass of the grid covers
    };
    unsigned seed = 3000;
    for (const Shape& g : shapes) {
        check_shape(g, seed, false);
        check_shape(g, seed + 5, true);
        seed += 10;
    }
    check_rules();
    check_empty();
    check_refused();
    return test::summary();
}
