/*
 * qrfac: Householder QR factorization with optional column pivoting,
 *   A P = Q R.
 *
 * User Guide for MINPACK-1, routine QRFAC; Moré (1978), section 3, which
 * uses the pivoting so that R's diagonal decreases in magnitude and a
 * rank-deficient Jacobian shows up as trailing small diagonal elements.
 *
 *   m, n     input          rows and columns of a
 *   a        input/output   m x n, column-major, leading dimension lda.  On
 *                           output the strict upper triangle holds R (its
 *                           diagonal goes to rdiag) and the lower trapezoid
 *                           the Householder vectors u_j, scaled so that
 *                           u_j[j] = pi_j and Q_j = I - u_j u_j^T / pi_j.
 *   pivot    input          nonzero: pivot columns by decreasing norm
 *   ipvt     output         n (used only if pivot): column j of P is
 *                           column ipvt[j] of the identity (0-based)
 *   rdiag    output         n: diagonal of R
 *   acnorm   output         n: norms of the columns of the input a
 *   wa       workspace      n
 *
 * The pivot choice needs the norms of the trailing parts of the columns.
 * They are downdated after each Householder step instead of recomputed,
 * and recomputed only when cancellation has eaten too many digits
 * (the ratio test against machine epsilon below).
 */
#include <float.h>
#include <math.h>
#include "lmscope_engine.h"

#define A(i, j) a[(size_t)(i) + (size_t)(j) * (size_t)lda]

/* Recompute a downdated column norm once it has fallen below
   sqrt(EPSMCH / RECOMPUTE_FACTOR) of its last fresh value. */
static const double RECOMPUTE_FACTOR = 0.05;

void lm_qrfac(int m, int n, double *a, int lda, int pivot, int *ipvt,
              double *rdiag, double *acnorm, double *wa)
{
    const double epsmch = DBL_EPSILON;
    const int minmn = m < n ? m : n;

    for (int j = 0; j < n; j++) {
        acnorm[j] = lm_enorm(m, &A(0, j));
        rdiag[j] = acnorm[j];
        wa[j] = rdiag[j];
        if (pivot)
            ipvt[j] = j;
    }

    for (int j = 0; j < minmn; j++) {
        if (pivot) {
            /* Bring the column of largest remaining norm to position j. */
            int kmax = j;
            for (int k = j; k < n; k++)
                if (rdiag[k] > rdiag[kmax])
                    kmax = k;
            if (kmax != j) {
                for (int i = 0; i < m; i++) {
                    double t = A(i, j);
                    A(i, j) = A(i, kmax);
                    A(i, kmax) = t;
                }
                rdiag[kmax] = rdiag[j];
                wa[kmax] = wa[j];
                int k = ipvt[j];
                ipvt[j] = ipvt[kmax];
                ipvt[kmax] = k;
            }
        }

        /* Householder transformation that zeroes A(j+1.., j). */
        double ajnorm = lm_enorm(m - j, &A(j, j));
        if (ajnorm != 0.0) {
            /* Sign chosen so that A(j,j) + 1 below cannot cancel. */
            if (A(j, j) < 0.0)
                ajnorm = -ajnorm;
            for (int i = j; i < m; i++)
                A(i, j) /= ajnorm;
            A(j, j) += 1.0;

            /* Apply it to the remaining columns and downdate their norms. */
            for (int k = j + 1; k < n; k++) {
                double sum = 0.0;
                for (int i = j; i < m; i++)
                    sum += A(i, j) * A(i, k);
                double temp = sum / A(j, j);
                for (int i = j; i < m; i++)
                    A(i, k) -= temp * A(i, j);
                if (pivot && rdiag[k] != 0.0) {
                    temp = A(j, k) / rdiag[k];
                    double shrink = 1.0 - temp * temp;
                    rdiag[k] *= sqrt(shrink > 0.0 ? shrink : 0.0);
                    double r = rdiag[k] / wa[k];
                    if (RECOMPUTE_FACTOR * (r * r) <= epsmch) {
                        rdiag[k] = lm_enorm(m - j - 1, &A(j + 1, k));
                        wa[k] = rdiag[k];
                    }
                }
            }
        }
        rdiag[j] = -ajnorm;
    }
}
