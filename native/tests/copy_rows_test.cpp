// copy_rows_test.cpp: gradsign_copy_rows through the C API: gathers, scatters and in-place swaps-free moves, exact.
#include <cstdio>
#include <vector>

#include "gradsign.h"
#include "test_support.h"

namespace {

void check(const char* what, long long destination_rows_total, long long source_rows_total, long long row_length,
           const std::vector<int>& to, const std::vector<int>& from, bool same) {
    std::vector<float> source = test::uniform(600, source_rows_total * row_length, -1.0f, 1.0f);
    std::vector<float> destination = same ? source : test::uniform(601, destination_rows_total * row_length, 2.0f, 3.0f);
    std::vector<float> want = destination;
    for (size_t j = 0; j < to.size(); ++j) {
        for (long long i = 0; i < row_length; ++i) want[to[j] * row_length + i] = source[from[j] * row_length + i];
    }
    gradsign_address ds = test::upload(source), dd = same ? ds : test::upload(destination);
    test::check_status(what, gradsign_copy_rows(dd, to.data(), ds, from.data(), static_cast<long long>(to.size()),
                                                row_length));
    test::check_close(what, test::download(dd, want.size()), want, 0.0f, 0.0f);
    gradsign_free(ds);
    if (!same) gradsign_free(dd);
}

}  // namespace

int main() {
    test::require_device();
    check("copy_rows gather 5 of 9 rows of 7", 5, 9, 7, {0, 1, 2, 3, 4}, {8, 2, 5, 0, 3}, false);
    check("copy_rows scatter 3 rows of 3072", 9, 3, 3072, {7, 0, 4}, {0, 1, 2}, false);
    check("copy_rows best-so-far one row of 1", 4, 4, 1, {2}, {2}, false);
    std::vector<int> to(1000), from(1000);
    for (int j = 0; j < 1000; ++j) to[j] = 999 - j, from[j] = j;
    check("copy_rows 1000 rows of 33 reversed", 1000, 1000, 33, to, from, false);
    check("copy_rows within one tensor, disjoint rows", 6, 6, 5, {0, 1}, {4, 5}, true);
    const int status = gradsign_copy_rows(0, nullptr, 0, nullptr, -1, 3);
    std::printf("%s a negative count is refused\n", status == GRADSIGN_ERROR_INVALID_ARGUMENT ? "ok  " : "FAIL");
    (status == GRADSIGN_ERROR_INVALID_ARGUMENT ? test::passed : test::failed)++;
    return test::summary();
}
