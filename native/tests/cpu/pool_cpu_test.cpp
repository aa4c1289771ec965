// pool_cpu_test.cpp: the CPU pooling kernels of every instruction set this CPU has, bit for bit against
// plain references written from the rules (max: v > best || isnan(v) replaces, from the window's first
// element; backward: a gather per input element from 0 over the windows that hold it, row-major),
// on inputs drawn from a few small values (ties in most windows) with NaN, signed zeros and
// infinities; 2x2 windows at stride 2 (the vector path) at widths around the vector lengths and odd
// sizes, other windows (the element path) overlapping and with gaps; outputs poisoned and guarded.
#include <cmath>
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
    void (*max_forward)(float*, int*, const float*, int, int, int, int, int, int, int);
    void (*max_backward)(float*, const float*, const int*, int, int, int, int, int, int, int);
    void (*avg_forward)(float*, const float*, int, int, int, int, int, int, int);
    void (*avg_backward)(float*, const float*, int, int, int, int, int, int, int);
};

// x (planes, h, w), y (planes, p, q)
struct Shape {
    int planes, h, w, kh, kw, sh, sw;
    int p() const { return (h - kh) / sh + 1; }
    int q() const { return (w - kw) / sw + 1; }
    size_t x_count() const { return static_cast<size_t>(planes) * h * w; }
    size_t y_count() const { return static_cast<size_t>(planes) * p() * q(); }
};

uint32_t bits(float f) {
    uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
}

// NaN compares by being NaN (any payload); everything else by its bits, so -0 and +0 differ
bool same(float a, float b) { return (a != a && b != b) || bits(a) == bits(b); }

const float kSpecial[] = {NAN, 0.0f, -0.0f, INFINITY, -INFINITY};
constexpr int kGuard = 17;
const float kSentinel = 4321.25f;
constexpr int kIntSentinel = -77;

// values from a handful of small ones (ties in most windows), one in special_one_in special
std::vector<float> draw(std::mt19937& random, size_t count, int special_one_in) {
    std::vector<float> v(count);
    for (float& f : v) {
        f = random() % special_one_in == 0 ? kSpecial[random() % 5] : (static_cast<int>(random() % 7) - 3) * 0.375f;
    }
    return v;
}

// the windows along one axis over index i: [first, last] with o * stride <= i < o * stride + kernel
void windows_over(int i, int kernel, int stride, int outputs, int* first, int* last) {
    *first = i < kernel ? 0 : (i - kernel) / stride + 1;
    *last = i / stride < outputs - 1 ? i / stride : outputs - 1;
}

void reference_max_forward(const Shape& g, const std::vector<float>& x, std::vector<float>& y, std::vector<int>& argmax) {
    for (int plane = 0; plane < g.planes; plane++)
        for (int oy = 0; oy < g.p(); oy++)
            for (int ox = 0; ox < g.q(); ox++) {
                const float* in = x.data() + static_cast<size_t>(plane) * g.h * g.w;
                int best_index = oy * g.sh * g.w + ox * g.sw;
                float best = in[best_index];
                for (int r = 0; r < g.kh; r++)
                    for (int s = 0; s < g.kw; s++) {
                        int index = (oy * g.sh + r) * g.w + ox * g.sw + s;
                        float v = in[index];
                        if (v > best || std::isnan(v)) {
                            best = v;
                            best_index = index;
                        }
                    }
                size_t o = (static_cast<size_t>(plane) * g.p() + oy) * g.q() + ox;
                y[o] = best;
                argmax[o] = best_index;
            }
}

// per input element: 0, plus dy of each window over it whose argmax it is (avg: dy / (kh kw) of each)
void reference_backward(const Shape& g, const std::vector<float>& dy, const std::vector<int>* argmax,
                        std::vector<float>& dx) {
    float area = static_cast<float>(g.kh * g.kw);
    for (int plane = 0; plane < g.planes; plane++)
        for (int iy = 0; iy < g.h; iy++)
            for (int ix = 0; ix < g.w; ix++) {
                int row_first, row_last, column_first, column_last;
                windows_over(iy, g.kh, g.sh, g.p(), &row_first, &row_last);
                windows_over(ix, g.kw, g.sw, g.q(), &column_first, &column_last);
                float sum = 0.0f;
                for (int oy = row_first; oy <= row_last; oy++)
                    for (int ox = column_first; ox <= column_last; ox++) {
                        size_t o = (static_cast<size_t>(plane) * g.p() + oy) * g.q() + ox;
                        if (argmax == nullptr) {
                            sum += dy[o] / area;
                        } else if ((*argmax)[o] == iy * g.w + ix) {
                            sum += dy[o];
                        }
                    }
                dx[(static_cast<size_t>(plane) * g.h + iy) * g.w + ix] = sum;
            }
}

void reference_avg_forward(const Shape& g, const std::vector<float>& x, std::vector<float>& y) {
    float area = static_cast<float>(g.kh * g.kw);
    for (int plane = 0; plane < g.planes; plane++)
        for (int oy = 0; oy < g.p(); oy++)
            for (int ox = 0; ox < g.q(); ox++) {
                float sum = 0.0f;
                for (int r = 0; r < g.kh; r++)
                    for (int s = 0; s < g.kw; s++)
                        sum += x[(static_cast<size_t>(plane) * g.h + oy * g.sh + r) * g.w + ox * g.sw + s];
                y[(static_cast<size_t>(plane) * g.p() + oy) * g.q() + ox] = sum / area;
            }
}

// a buffer of count floats at offset 1 (so the kernels see an address off the vector alignment),
// poisoned with NaN, guarded by sentinels on both sides
struct Guarded {
    std::vector<float> data;
    size_t count;
    explicit Guarded(size_t n) : data(n + 1 + kGuard, kSentinel), count(n) {
        std::fill(data.begin() + 1, data.begin() + 1 + n, NAN);
    }
    float* at() { return data.data() + 1; }
    bool guards_intact() const {
        if (!same(data[0], kSentinel)) return false;
        for (size_t i = 1 + count; i < data.size(); i++)
            if (!same(data[i], kSentinel)) return false;
        return true;
    }
};

struct GuardedInts {
    std::vector<int> data;
    size_t count;
    explicit GuardedInts(size_t n) : data(n + 1 + kGuard, kIntSentinel), count(n) {}
    int* at() { return data.data() + 1; }
    bool guards_intact() const {
        if (data[0] != kIntSentinel) return false;
        for (size_t i = 1 + count; i < data.size(); i++)
            if (data[i] != kIntSentinel) return false;
        return true;
    }
};

void print_shape(const Shape& g) {
    std::printf("planes=%d %dx%d window %dx%d stride %dx%d", g.planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw);
}

bool check(const Variant& v, const Shape& g, const char* what, const float* got, const std::vector<float>& want,
           bool guards) {
    if (!guards) {
        failed++;
        std::printf("FAIL %s %s ", v.name, what);
        print_shape(g);
        std::printf(": written outside its output\n");
        return false;
    }
    bool non_zero = false;
    for (size_t i = 0; i < want.size(); i++) {
        non_zero |= want[i] != 0.0f && want[i] == want[i];
        if (!same(got[i], want[i])) {
            failed++;
            std::printf("FAIL %s %s ", v.name, what);
            print_shape(g);
            std::printf(": element %zu got %g (%08x) want %g (%08x)\n", i, got[i], bits(got[i]), want[i], bits(want[i]));
            return false;
        }
    }
    // (a single element may be drawn 0)
    if (!non_zero && want.size() > 1) {
        failed++;
        std::printf("FAIL %s %s ", v.name, what);
        print_shape(g);
        std::printf(": the reference is all zero or NaN, the test cannot fail\n");
        return false;
    }
    passed++;
    return true;
}

void run_max(const Variant& v, std::mt19937& random, const Shape& g) {
    std::vector<float> x = draw(random, g.x_count(), 8);
    std::vector<float> dy = draw(random, g.y_count(), 8);
    std::vector<float> want_y(g.y_count()), want_dx(g.x_count());
    std::vector<int> want_argmax(g.y_count());
    reference_max_forward(g, x, want_y, want_argmax);
    reference_backward(g, dy, &want_argmax, want_dx);

    Guarded y(g.y_count());
    GuardedInts argmax(g.y_count());
    v.max_forward(y.at(), argmax.at(), x.data(), g.planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw);
    if (!check(v, g, "max forward y", y.at(), want_y, y.guards_intact())) return;
    if (!argmax.guards_intact() || std::memcmp(argmax.at(), want_argmax.data(), g.y_count() * sizeof(int)) != 0) {
        failed++;
        std::printf("FAIL %s max forward argmax ", v.name);
        print_shape(g);
        std::printf("\n");
        return;
    }
    passed++;

    Guarded dx(g.x_count());
    v.max_backward(dx.at(), dy.data(), want_argmax.data(), g.planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw);
    check(v, g, "max backward dx", dx.at(), want_dx, dx.guards_intact());
}

void run_avg(const Variant& v, std::mt19937& random, const Shape& g) {
    // specials rarer than for max: one NaN or infinity makes a whole window's average NaN
    std::vector<float> x = draw(random, g.x_count(), 64);
    std::vector<float> dy = draw(random, g.y_count(), 64);
    std::vector<float> want_y(g.y_count()), want_dx(g.x_count());
    reference_avg_forward(g, x, want_y);
    reference_backward(g, dy, nullptr, want_dx);

    Guarded y(g.y_count());
    v.avg_forward(y.at(), x.data(), g.planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw);
    check(v, g, "avg forward y", y.at(), want_y, y.guards_intact());
    Guarded dx(g.x_count());
    v.avg_backward(dx.at(), dy.data(), g.planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw);
    check(v, g, "avg backward dx", dx.at(), want_dx, dx.guards_intact());
}

// the rules on single windows, written out: ties keep the first, -0 and +0 are equal, a NaN replaces
// anything, the last NaN wins; 0 + -0 is +0 backward; an argmax outside its window adds nothing
void run_rules(const Variant& v) {
    struct Case {
        float window[4];
        int argmax;
    };
    const Case cases[] = {
        {{1.0f, 3.0f, 3.0f, 2.0f}, 1},     {{-0.0f, 0.0f, -0.0f, 0.0f}, 0}, {{0.0f, -0.0f, 0.0f, -0.0f}, 0},
        {{1.0f, NAN, 3.0f, NAN}, 3},       {{NAN, 1.0f, 2.0f, 0.0f}, 0},    {{-INFINITY, -INFINITY, -1.0f, -2.0f}, 2},
        {{NAN, NAN, 5.0f, 7.0f}, 1},       {{2.0f, 1.0f, INFINITY, NAN}, 3},
    };
    int before = failed;
    for (const Case& c : cases) {
        // one 2x2 window (the vector path) and the same window as the first of a 2x3 one (element path)
        float y = 0.0f;
        int argmax = -1;
        v.max_forward(&y, &argmax, c.window, 1, 2, 2, 2, 2, 2, 2);
        float wide[6] = {c.window[0], c.window[1], -INFINITY, c.window[2], c.window[3], -INFINITY};
        float y_wide[2] = {0.0f, 0.0f};
        int argmax_wide[2] = {-1, -1};
        v.max_forward(y_wide, argmax_wide, wide, 1, 2, 3, 2, 2, 1, 1);
        int want_wide = c.argmax < 2 ? c.argmax : c.argmax + 1;
        if (argmax != c.argmax || !same(y, c.window[c.argmax]) || argmax_wide[0] != want_wide ||
            !same(y_wide[0], c.window[c.argmax])) {
            failed++;
            std::printf("FAIL %s max rule on {%g, %g, %g, %g}: argmax %d (element path %d), want %d\n", v.name,
                        c.window[0], c.window[1], c.window[2], c.window[3], argmax, argmax_wide[0], c.argmax);
        }
    }
    float dy = -0.0f, dx[4];
    int argmax = 2;
    v.max_backward(dx, &dy, &argmax, 1, 2, 2, 2, 2, 2, 2);
    if (bits(dx[2]) != bits(0.0f) || bits(dx[0]) != bits(0.0f)) {
        failed++;
        std::printf("FAIL %s max backward: 0 + -0 must be +0\n", v.name);
    }
    // argmax outside the window, in the plane: ignored on both paths
    float dy_two[2] = {5.0f, 7.0f}, dx_wide[6];
    int outside[2] = {2, 0};
    v.max_backward(dx_wide, dy_two, outside, 1, 2, 3, 2, 2, 1, 1);
    const float want_wide[6] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    int stray = 99;
    v.max_backward(dx, dy_two, &stray, 1, 2, 2, 2, 2, 2, 2);
    if (std::memcmp(dx_wide, want_wide, sizeof dx_wide) != 0 || dx[0] != 0.0f || dx[1] != 0.0f || dx[2] != 0.0f ||
        dx[3] != 0.0f) {
        failed++;
        std::printf("FAIL %s max backward: an argmax outside its window must add nothing\n", v.name);
    }
    if (failed == before) passed++;
}

}  // namespace

int main() {
    std::vector<Variant> variants = {{"generic", gradsign_cpu_max_pool2d_forward_generic,
                                      gradsign_cpu_max_pool2d_backward_generic, gradsign_cpu_avg_pool2d_forward_generic,
                                      gradsign_cpu_avg_pool2d_backward_generic}};
#if defined(__x86_64__) || defined(__i386__)
    if (runs_avx2()) {
        variants.push_back({"avx2", gradsign_cpu_max_pool2d_forward_avx2, gradsign_cpu_max_pool2d_backward_avx2,
                            gradsign_cpu_avg_pool2d_forward_avx2, gradsign_cpu_avg_pool2d_backward_avx2});
    }
    if (runs_avx512()) {
        variants.push_back({"avx512", gradsign_cpu_max_pool2d_forward_avx512, gradsign_cpu_max_pool2d_backward_avx512,
                            gradsign_cpu_avg_pool2d_forward_avx512, gradsign_cpu_avg_pool2d_backward_avx512});
    }
#endif
    unsigned seed = 20261203;
    std::printf("seed %u\n", seed);
    std::mt19937 random(seed);
    std::vector<Shape> shapes = {
        // the CNN's two pools
        {32, 28, 28, 2, 2, 2, 2}, {64, 14, 14, 2, 2, 2, 2},
        // 2x2 at stride 2 at output widths around 4, 8 and 16 lanes, odd heights and widths
        {3, 2, 2, 2, 2, 2, 2}, {2, 7, 11, 2, 2, 2, 2}, {2, 5, 9, 2, 2, 2, 2}, {1, 6, 16, 2, 2, 2, 2},
        {2, 4, 17, 2, 2, 2, 2}, {1, 3, 32, 2, 2, 2, 2}, {1, 4, 33, 2, 2, 2, 2}, {1, 2, 34, 2, 2, 2, 2},
        {2, 9, 63, 2, 2, 2, 2}, {1, 4, 64, 2, 2, 2, 2}, {1, 5, 66, 2, 2, 2, 2}, {1, 2, 100, 2, 2, 2, 2},
        // other windows: overlapping, with gaps, not dividing the image, one element
        {3, 7, 11, 3, 3, 2, 2}, {5, 9, 8, 3, 2, 1, 2}, {3, 7, 11, 1, 5, 1, 3}, {4, 5, 5, 5, 5, 1, 1},
        {6, 6, 7, 2, 3, 3, 1}, {6, 7, 9, 2, 2, 1, 1}, {2, 8, 8, 2, 2, 3, 3}, {1, 1, 1, 1, 1, 1, 1},
        {28, 13, 13, 3, 3, 2, 2},
    };
    for (const Variant& v : variants) {
        run_rules(v);
        for (const Shape& g : shapes) {
            run_max(v, random, g);
            run_avg(v, random, g);
        }
    }
    std::printf("pool_cpu_test: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
