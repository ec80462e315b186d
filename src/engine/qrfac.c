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
 *   stop     input          lm_qrfac_stoppable only: NULL, or a flag another
 *                           thread may set, looked at before each Householder
 *                           step; once set, it returns 1 with `a` partly
 *                           factored (it returns 0 when it completes)
 *
 * The pivot choice needs the norms of the trailing parts of the columns.
 * They are downdated after each Householder step instead of recomputed,
 * and recomputed only when cancellation has eaten too many digits
 * (the ratio test against machine epsilon below).
 *
 * Speed without changing a bit: each Householder step needs the dot product
 * of u_j with every remaining column.  One dot product at a time is bound by
 * the latency of its additions (each waits for the one before).  Here
 * COLUMN_BLOCK columns are done in one pass over the rows, each with its own
 * accumulator, so the additions of different columns overlap while each
 * column's sum is still formed in MINPACK's order, row by row (a block of
 * fewer columns has a loop of its own width: spare lanes would cost as much
 * as used ones); the updates are then made REFLECT_BLOCK columns per pass,
 * so u_j is read a few times per block instead of twice per column.  The
 * vector f of lm_qrfac_qtb_stoppable rides in the last block as one more
 * column.  Measured (CPU time per factorization, against four columns per
 * pass): 400 x 200 1.13x, 2000 x 9 1.7x, 200000 x 6 1.14x faster; against
 * the one-column-at-a-time loop, four columns per pass were 1.96x, 1.6x and
 * 1.12x faster.
 */
#include <float.h>
#include <math.h>
#include "lmscope_engine.h"

#define A(i, j) a[(size_t)(i) + (size_t)(j) * (size_t)lda]

/* The column updates in two builds where the loader can choose one at run
   time (GCC or Clang on x86-64 with glibc, by ifunc): the baseline stays
   portable, and a machine with AVX2 updates four doubles per instruction
   (a wide factorization 1.18x faster).  The update is elementwise, no sum
   is reordered, and -ffp-contract=off keeps each multiply and subtract
   apart, so both give the same bits: the kernel tests compare the clone
   this machine runs with a scalar reference, and the parity tests with
   SciPy.  (The dot products gained nothing from AVX2.) */
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define LM_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef LM_AVX2_CLONE
#define LM_AVX2_CLONE
#endif

/* Recompute a downdated column norm once it has fallen below
   sqrt(EPSMCH / RECOMPUTE_FACTOR) of its last fresh value. */
static const double RECOMPUTE_FACTOR = 0.05;

/* Columns whose dot products with u_j share one pass over the rows. */
#define COLUMN_BLOCK 8
/* Columns updated in one pass (COLUMN_BLOCK is a multiple). */
#define REFLECT_BLOCK 4

/* sums[b] = u . a_b over rows first..m-1, each in row order: the sums of
   `count` <= COLUMN_BLOCK columns a[0..count-1] side by side.  Called with
   a constant count (see dots), so that each width compiles to its own loop. */
static inline void block_dots(int first, int m, const double *u, double *const *a, int count,
                              double *sums)
{
    double s[COLUMN_BLOCK];
    for (int b = 0; b < count; b++)
        s[b] = 0.0;
    for (int i = first; i < m; i++) {
        const double ui = u[i];
        for (int b = 0; b < count; b++)
            s[b] += ui * a[b][i];
    }
    for (int b = 0; b < count; b++)
        sums[b] = s[b];
}

/* block_dots with as many lanes as columns. */
static void dots(int first, int m, const double *u, double *const *a, int count, double *sums)
{
    switch (count) {
    case 8: block_dots(first, m, u, a, 8, sums); break;
    case 7: block_dots(first, m, u, a, 7, sums); break;
    case 6: block_dots(first, m, u, a, 6, sums); break;
    case 5: block_dots(first, m, u, a, 5, sums); break;
    case 4: block_dots(first, m, u, a, 4, sums); break;
    case 3: block_dots(first, m, u, a, 3, sums); break;
    case 2: block_dots(first, m, u, a, 2, sums); break;
    default: block_dots(first, m, u, a, 1, sums); break;
    }
}

/* Columns a[b], b < count, := (I - u u^T / u[j]) times themselves over rows
   j..m-1, given sums[b] = u . a_b: each entry gets MINPACK's
   a -= (sum / u[j]) u, and u is read once for the block. */
LM_AVX2_CLONE
static void block_reflect(int j, int m, const double *restrict u, double *const *a, int count,
                          const double *sums)
{
    double t[REFLECT_BLOCK];
    for (int b = 0; b < count; b++)
        t[b] = sums[b] / u[j];
    /* Distinct vectors: restrict lets the compiler vectorize. */
    double *restrict a0 = a[0];
    double *restrict a1 = count > 1 ? a[1] : NULL;
    double *restrict a2 = count > 2 ? a[2] : NULL;
    double *restrict a3 = count > 3 ? a[3] : NULL;
    switch (count) {
    case 4:
        for (int i = j; i < m; i++) {
            const double ui = u[i];
            a0[i] -= t[0] * ui;
            a1[i] -= t[1] * ui;
            a2[i] -= t[2] * ui;
            a3[i] -= t[3] * ui;
        }
        break;
    case 3:
        for (int i = j; i < m; i++) {
            const double ui = u[i];
            a0[i] -= t[0] * ui;
            a1[i] -= t[1] * ui;
            a2[i] -= t[2] * ui;
        }
        break;
    case 2:
        for (int i = j; i < m; i++) {
            const double ui = u[i];
            a0[i] -= t[0] * ui;
            a1[i] -= t[1] * ui;
        }
        break;
    default:
        for (int i = j; i < m; i++)
            a0[i] -= t[0] * u[i];
        break;
    }
}

/* With pivoting: the downdate of column a's trailing norm *norm after the
   step j reflection, recomputed from the column when cancellation has eaten
   too many digits of *fresh, its last computed value. */
static void downdate_norm(int j, int m, const double *a, double *norm, double *fresh)
{
    if (*norm == 0.0)
        return;
    double temp = a[j] / *norm;
    double shrink = 1.0 - temp * temp;
    *norm *= sqrt(shrink > 0.0 ? shrink : 0.0);
    double r = *norm / *fresh;
    if (RECOMPUTE_FACTOR * (r * r) <= DBL_EPSILON) {
        *norm = lm_enorm(m - j - 1, &a[j + 1]);
        *fresh = *norm;
    }
}

/* The factorization, given the column norms in acnorm; b (NULL: none), a
   vector of m, gets every reflection too, in the same lanes as the columns:
   see lm_qrfac_qtb_stoppable. */
static int factor(int m, int n, double *a, int lda, int pivot, int *ipvt, double *rdiag,
                  const double *acnorm, double *wa, double *b, const volatile int *stop)
{
    const int minmn = m < n ? m : n;

    for (int j = 0; j < n; j++) {
        rdiag[j] = acnorm[j];
        wa[j] = rdiag[j];
        if (pivot)
            ipvt[j] = j;
    }

    for (int j = 0; j < minmn; j++) {
        if (stop != NULL && *stop)
            return 1;
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

        /* Householder transformation that zeroes A(j+1.., j).  The first
           column's norm is known already: it is still as given. */
        double ajnorm = j == 0 ? acnorm[pivot ? ipvt[0] : 0] : lm_enorm(m - j, &A(j, j));
        if (ajnorm != 0.0) {
            /* Sign chosen so that A(j,j) + 1 below cannot cancel. */
            if (A(j, j) < 0.0)
                ajnorm = -ajnorm;
            for (int i = j; i < m; i++)
                A(i, j) /= ajnorm;
            A(j, j) += 1.0;

            /* Apply it to the remaining columns, and then to b, a block at
               a time (b rides in the last block when it has room), and
               downdate the columns' norms. */
            int b_left = b != NULL;
            for (int k0 = j + 1; k0 < n || b_left; k0 += COLUMN_BLOCK) {
                double *block[COLUMN_BLOCK];
                int columns = 0;
                while (columns < COLUMN_BLOCK && k0 + columns < n) {
                    block[columns] = &A(0, k0 + columns);
                    columns++;
                }
                int count = columns;
                if (count < COLUMN_BLOCK && b_left) {
                    block[count++] = b;
                    b_left = 0;
                }
                double sums[COLUMN_BLOCK];
                dots(j, m, &A(0, j), block, count, sums);
                for (int r = 0; r < count; r += REFLECT_BLOCK)
                    block_reflect(j, m, &A(0, j), block + r,
                                  count - r < REFLECT_BLOCK ? count - r : REFLECT_BLOCK, sums + r);
                if (pivot)
                    for (int k = k0; k < k0 + columns; k++)
                        downdate_norm(j, m, &A(0, k), &rdiag[k], &wa[k]);
            }
        }
        rdiag[j] = -ajnorm;
    }
    return 0;
}

int lm_qrfac_stoppable(int m, int n, double *a, int lda, int pivot, int *ipvt,
                       double *rdiag, double *acnorm, double *wa, const volatile int *stop)
{
    (void)lm_column_norms(m, n, a, lda, acnorm);
    return factor(m, n, a, lda, pivot, ipvt, rdiag, acnorm, wa, NULL, stop);
}

int lm_qrfac_qtb_stoppable(int m, int n, double *a, int lda, int *ipvt, double *rdiag,
                           const double *acnorm, double *wa, double *b,
                           const volatile int *stop)
{
    return factor(m, n, a, lda, 1, ipvt, rdiag, acnorm, wa, b, stop);
}

void lm_qrfac(int m, int n, double *a, int lda, int pivot, int *ipvt,
              double *rdiag, double *acnorm, double *wa)
{
    (void)lm_qrfac_stoppable(m, n, a, lda, pivot, ipvt, rdiag, acnorm, wa, NULL);
}
