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

#endif /* GRADSIGN_BLAS_H */
