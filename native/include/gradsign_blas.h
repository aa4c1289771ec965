/* gradsign_blas.h: the CPU backend's matrix product, OpenBLAS's sgemm on row-major Java arrays at offsets. */
#ifndef GRADSIGN_BLAS_H
#define GRADSIGN_BLAS_H

#include <cblas.h>

/* c (m, n) = alpha * op(a) . op(b) + beta * c, all row-major; op transposes when trans_* is non-zero.
   JNI hands over each Java array from its first element: the offsets place the matrices in them. */
static inline void gradsign_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a,
                                  long long a_offset, int lda, const float* b, long long b_offset, int ldb, float beta,
                                  float* c, long long c_offset, int ldc) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha,
                a + a_offset, lda, b + b_offset, ldb, beta, c + c_offset, ldc);
}

/* y (rows or columns of a) = alpha * op(a) . x + beta * y, a (rows, columns) row-major: the batch-1
   case of the products above, which sgemm would pay for by packing all of a first. */
static inline void gradsign_sgemv(int trans_a, int rows, int columns, float alpha, const float* a, long long a_offset,
                                  int lda, const float* x, long long x_offset, float beta, float* y,
                                  long long y_offset) {
    cblas_sgemv(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, rows, columns, alpha, a + a_offset, lda,
                x + x_offset, 1, beta, y + y_offset, 1);
}

#endif /* GRADSIGN_BLAS_H */
