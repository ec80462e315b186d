/*
 * lm_upper_triangular_inverse: R^-1 for an upper triangular R, the core of
 * leastsq's cov_x.
 *
 * With A P = Q R from the final Jacobian, the Gauss-Newton estimate of the
 * inverse Hessian is (A^T A)^-1 = P R^-1 R^-T P^T (User Guide for MINPACK-1,
 * section on COVAR; SciPy computes cov_x this way since gh-4555, because
 * inverting R directly keeps the result symmetric positive semidefinite).
 * The caller applies P and forms the product.
 *
 * Column j of R^-1 follows from the leading (j x j) block already inverted:
 *     Rinv[j][j] = 1 / R[j][j],
 *     Rinv[0..j-1][j] = -Rinv[j][j] * Rinv[0..j-1][0..j-1] R[0..j-1][j]
 * (the unblocked algorithm of LAPACK's xTRTI2).
 *
 *   n      input    order
 *   r      input    n x n upper triangle used, column-major, leading dimension ldr
 *   rinv   output   n x n column-major (leading dimension n); strict lower
 *                   triangle set to zero
 *
 * Returns 0, or j + 1 when R[j][j] is exactly zero (R is singular: cov_x is
 * then reported as None, as SciPy does).
 */
#include <string.h>
#include "lmscope_engine.h"

int lm_upper_triangular_inverse(int n, const double *r, int ldr, double *rinv)
{
    memset(rinv, 0, sizeof(double) * (size_t)n * (size_t)n);
    for (int j = 0; j < n; j++)
        if (r[(size_t)j + (size_t)j * (size_t)ldr] == 0.0)
            return j + 1;

    for (int j = 0; j < n; j++) {
        double *col = rinv + (size_t)j * (size_t)n;
        const double *rcol = r + (size_t)j * (size_t)ldr;
        for (int i = 0; i <= j; i++)
            col[i] = rcol[i];
        col[j] = 1.0 / col[j];
        double ajj = -col[j];
        /* col[0..j-1] := Rinv(leading block) * col[0..j-1], column by column
           so that each entry of the block is read once. */
        for (int k = 0; k < j; k++) {
            double temp = col[k];
            if (temp != 0.0) {
                const double *inv_k = rinv + (size_t)k * (size_t)n;
                for (int i = 0; i < k; i++)
                    col[i] += temp * inv_k[i];
                col[k] = temp * inv_k[k];
            }
        }
        for (int i = 0; i < j; i++)
            col[i] *= ajj;
    }
    return 0;
}
