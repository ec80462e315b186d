/*
 * qrsolv: given the QR factorization A P = Q R, a diagonal D and b, solve
 *
 *     min || [A; D] x - [b; 0] ||
 *
 * in the least-squares sense, using Q^T b.
 *
 * User Guide for MINPACK-1, routine QRSOLV; Moré (1978), section 3,
 * equations (3.4)-(3.5).  The rows of P^T D are merged into R one at a time
 * by Givens rotations, which turns [R; P^T D P] into an upper triangular S
 * with S^T S = R^T R + P^T D^2 P.  Each new value of the LM parameter only
 * changes D, so R is kept intact and the work is O(n^2) per solve.
 *
 *   n      input          order of r
 *   r      input/output   n x n, column-major, leading dimension ldr.  On
 *                         input the upper triangle holds R.  On output the
 *                         upper triangle is unaltered and the strict lower
 *                         triangle holds the strict upper triangle of S,
 *                         transposed.
 *   ipvt   input          n: the permutation P (0-based)
 *   diag   input          n: the diagonal of D
 *   qtb    input          n: the first n entries of Q^T b
 *   x      output         n: the least-squares solution
 *   sdiag  output         n: the diagonal of S
 *   wa     workspace      n
 *
 * If S is singular the solution is taken from its leading nonsingular part
 * (the trailing components of z are set to zero).
 *
 * lm_qrsolv_stoppable also takes a flag another thread may set (or NULL),
 * looked at before each row of D is merged: once set, it returns 1 with R's
 * upper triangle intact and x unset; 0 when it completes.
 */
#include <math.h>
#include "lmscope_engine.h"

#define R(i, j) r[(size_t)(i) + (size_t)(j) * (size_t)ldr]

int lm_qrsolv_stoppable(int n, double *r, int ldr, const int *ipvt, const double *diag,
                        const double *qtb, double *x, double *sdiag, double *wa,
                        const volatile int *stop)
{
    /* Keep R's upper triangle: copy it into the lower one, where S is built,
       and save R's diagonal in x. */
    for (int j = 0; j < n; j++) {
        for (int i = j; i < n; i++)
            R(i, j) = R(j, i);
        x[j] = R(j, j);
        wa[j] = qtb[j];
    }

    for (int j = 0; j < n; j++) {
        if (stop != NULL && *stop) {
            /* R's diagonal is still in x for the rows not reached. */
            for (int k = j; k < n; k++)
                R(k, k) = x[k];
            return 1;
        }
        int l = ipvt[j];
        if (diag[l] != 0.0) {
            for (int k = j; k < n; k++)
                sdiag[k] = 0.0;
            sdiag[j] = diag[l];

            /* Rotations that eliminate row j of D, one column at a time;
               they also act on Q^T b (qtbpj is the extra entry). */
            double qtbpj = 0.0;
            for (int k = j; k < n; k++) {
                if (sdiag[k] == 0.0)
                    continue;
                double sin, cos;
                /* Compute the rotation from the smaller of the two ratios,
                   so that the square never overflows. */
                if (fabs(R(k, k)) < fabs(sdiag[k])) {
                    double cotan = R(k, k) / sdiag[k];
                    sin = 0.5 / sqrt(0.25 + 0.25 * (cotan * cotan));
                    cos = sin * cotan;
                } else {
                    double tan = sdiag[k] / R(k, k);
                    cos = 0.5 / sqrt(0.25 + 0.25 * (tan * tan));
                    sin = cos * tan;
                }
                R(k, k) = cos * R(k, k) + sin * sdiag[k];
                double temp = cos * wa[k] + sin * qtbpj;
                qtbpj = -sin * wa[k] + cos * qtbpj;
                wa[k] = temp;
                for (int i = k + 1; i < n; i++) {
                    temp = cos * R(i, k) + sin * sdiag[i];
                    sdiag[i] = -sin * R(i, k) + cos * sdiag[i];
                    R(i, k) = temp;
                }
            }
        }
        /* Store S's diagonal element and restore R's. */
        sdiag[j] = R(j, j);
        R(j, j) = x[j];
    }

    /* Back-substitute S z = (rotated Q^T b), dropping a singular tail. */
    int nsing = n;
    for (int j = 0; j < n; j++) {
        if (sdiag[j] == 0.0 && nsing == n)
            nsing = j;
        if (nsing < n)
            wa[j] = 0.0;
    }
    for (int j = nsing - 1; j >= 0; j--) {
        double sum = 0.0;
        for (int i = j + 1; i < nsing; i++)
            sum += R(i, j) * wa[i];
        wa[j] = (wa[j] - sum) / sdiag[j];
    }

    /* x = P z. */
    for (int j = 0; j < n; j++)
        x[ipvt[j]] = wa[j];
    return 0;
}

void lm_qrsolv(int n, double *r, int ldr, const int *ipvt, const double *diag,
               const double *qtb, double *x, double *sdiag, double *wa)
{
    (void)lm_qrsolv_stoppable(n, r, ldr, ipvt, diag, qtb, x, sdiag, wa, NULL);
}
