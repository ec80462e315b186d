/*
 * What leastsq's cov_x needs: the inverse of J^T J from the final QR
 * factorization J P = Q R,
 *
 *     (J^T J)^-1 = P R^-1 R^-T P^T
 *
 * (User Guide for MINPACK-1, the discussion of COVAR).  Inverting R, rather
 * than forming and inverting R^T R, keeps the result symmetric positive
 * semidefinite; SciPy computes cov_x this way since its gh-4555.
 */
#include <string.h>
#include "lmscope_engine.h"

/*
 * lm_upper_triangular_inverse: R^-1 for an upper triangular R.
 *
 * Column j of R^-1 follows from the leading (j x j) block already inverted:
 *     Rinv[j][j] = 1 / R[j][j],
 *     Rinv[0..j-1][j] = -Rinv[j][j] * Rinv[0..j-1][0..j-1] R[0..j-1][j]
 * (the unblocked algorithm of LAPACK's xTRTI2).
 *
 *   n      input    order
 *   r      input    n x n, upper triangle used, column-major, leading dimension ldr
 *   rinv   output   n x n column-major (leading dimension n); strict lower
 *                   triangle set to zero
 *
 * Returns 0, or j + 1 when R[j][j] is exactly zero (R is singular: cov_x is
 * then reported as None, as SciPy does).
 */
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

/*
 * lm_covariance: cov = P R^-1 R^-T P^T, with R and P as lm_qrfac left them
 * in fjac (upper triangle, leading dimension ldfjac) and ipvt (0-based).
 *
 *   cov    output      n x n, symmetric (so its storage order does not matter)
 *   work   workspace   n x n
 *
 * Returns 0, or the nonzero value of lm_upper_triangular_inverse when R is
 * singular (cov is then not set).
 *
 * Each entry is a dot product of two rows of R^-1; R^-1 is stored by
 * columns, so its rows are first copied out contiguously (into cov, free
 * until the end): the same products summed in the same order, without a
 * stride of n between their factors.
 */
int lm_covariance(int n, const double *fjac, int ldfjac, const int *ipvt,
                  double *cov, double *work)
{
    const size_t nn = (size_t)n;
    int singular = lm_upper_triangular_inverse(n, fjac, ldfjac, work);
    if (singular)
        return singular;
    /* rows + i n = row i of R^-1 (upper triangular: entries k >= i). */
    double *rows = cov;
    for (size_t k = 0; k < nn; k++)
        for (size_t i = 0; i <= k; i++)
            rows[i * nn + k] = work[i + k * nn];
    /* work(i, j), i <= j: the product of rows i and j, which starts at
       column j. */
    for (size_t i = 0; i < nn; i++) {
        const double *row_i = rows + i * nn;
        for (size_t j = i; j < nn; j++) {
            const double *row_j = rows + j * nn;
            double sum = 0.0;
            for (size_t k = j; k < nn; k++)
                sum += row_i[k] * row_j[k];
            work[i + j * nn] = sum;
        }
    }
    /* Row i of R^-1 belongs to parameter ipvt[i]. */
    for (size_t i = 0; i < nn; i++) {
        for (size_t j = i; j < nn; j++) {
            const double sum = work[i + j * nn];
            cov[(size_t)ipvt[i] * nn + (size_t)ipvt[j]] = sum;
            cov[(size_t)ipvt[j] * nn + (size_t)ipvt[i]] = sum;
        }
    }
    return 0;
}
