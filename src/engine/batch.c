/*
 * Many fits in lockstep: every fit is its own MINPACK state (driver.c's
 * lm_begin / lm_resume), and one round advances all of them by one request.
 *
 * Why: a Python loop of single fits pays the crossing into Python, and the
 * model's per-call overhead, once per evaluation per fit.  Here the caller
 * evaluates the model once per round on a block of parameter rows, one row
 * for each fit that needs f at one point and n rows (the forward-difference
 * points) for each fit that needs its Jacobian, so the per-call cost is
 * shared by every fit still running.  Each fit's arithmetic is exactly the
 * single fit's: the same requests answered with the same numbers give the
 * same iterates, whatever the other fits do.
 *
 * Fits end on their own (each with its own status) and leave the running
 * list, so late rounds carry only the fits still working.  Nothing here
 * allocates: the caller hands in every array, sized for `count` fits.
 */
#include <math.h>
#include <string.h>
#include "lmscope_engine.h"

/* Fit i's slice of a per-fit array of `length` entries. */
#define SLICE(array, i, length) ((array) + (size_t)(i) * (size_t)(length))

static int is_success(int status)
{
    return status >= LM_CONVERGED_FTOL && status <= LM_CONVERGED_GTOL;
}

int lm_batch_begin(lm_batch *b, int count, const lm_problem *problem, lm_state *states,
                   double *x, double *fvec, double *fjac, double *diag, double *qtf,
                   int *ipvt, double *work, int *status, int *nfev, double *fnorm,
                   int *running, int *row_fit, double *points)
{
    const int m = problem->m, n = problem->n;
    const size_t work_size = lm_work_size(m, n);

    memset(b, 0, sizeof *b);
    b->count = count;
    b->problem = *problem;
    b->problem.residual = NULL;   /* the caller answers every request */
    b->problem.jacobian = NULL;   /* so the Jacobian is by forward differences */
    b->problem.user = NULL;
    b->states = states;
    b->x = x;
    b->fvec = fvec;
    b->fjac = fjac;
    b->diag = diag;
    b->qtf = qtf;
    b->ipvt = ipvt;
    b->work = work;
    b->status = status;
    b->nfev = nfev;
    b->fnorm = fnorm;
    b->running = running;
    b->row_fit = row_fit;
    b->points = points;

    for (int i = 0; i < count; i++) {
        lm_state *s = &states[i];
        int request = lm_begin(s, &b->problem, SLICE(x, i, n), SLICE(fvec, i, m),
                               SLICE(fjac, i, (size_t)m * (size_t)n), SLICE(diag, i, n),
                               SLICE(qtf, i, n), SLICE(ipvt, i, n), SLICE(work, i, work_size));
        status[i] = s->status;
        nfev[i] = 0;
        fnorm[i] = NAN;
        if (request == LM_REQUEST_NONE)
            continue;
        running[b->n_running++] = i;
    }
    return b->n_running;
}

/* Copy fit s's answer from the block of values; returns the rows it took. */
static int take_answer(lm_state *s, const double *values)
{
    const int m = s->problem.m, n = s->problem.n;
    if (s->request == LM_REQUEST_RESIDUALS) {
        memcpy(s->request_f, values, sizeof(double) * (size_t)m);
        return 1;
    }
    /* LM_REQUEST_DIFFERENCES: row j is f(x + h_j e_j), column j of fjac. */
    memcpy(s->fjac, values, sizeof(double) * (size_t)m * (size_t)n);
    lm_difference_quotients(s);
    return n;
}

/* Put fit i's request into the block of points; returns the rows it adds. */
static int put_request(lm_batch *b, int i, int row)
{
    const lm_state *s = &b->states[i];
    const int n = s->problem.n;
    double *point = SLICE(b->points, row, n);
    if (s->request == LM_REQUEST_RESIDUALS) {
        memcpy(point, s->request_x, sizeof(double) * (size_t)n);
        b->row_fit[row] = i;
        return 1;
    }
    lm_difference_points(s, point);
    for (int j = 0; j < n; j++)
        b->row_fit[row + j] = i;
    return n;
}

int lm_batch_round(lm_batch *b, const double *values)
{
    const int m = b->problem.m;
    int kept = 0, row = 0, rows = 0, recorded;

    for (int k = 0; k < b->n_running; k++) {
        const int i = b->running[k];
        lm_state *s = &b->states[i];
        if (values != NULL) {
            row += take_answer(s, SLICE(values, row, m));
            lm_resume(s, 0, NULL, &recorded);
        }
        /* A trial point that is not finite is never handed to the model. */
        while (s->request == LM_REQUEST_NOTHING)
            lm_resume(s, 0, NULL, &recorded);
        if (s->request == LM_REQUEST_NONE) {
            b->status[i] = s->status;
            b->nfev[i] = s->nfev;
            b->fnorm[i] = s->fnorm;
            continue;
        }
        /* The running list shrinks in place and keeps its order, so every
           round's rows follow the fits' order. */
        b->running[kept++] = i;
        rows += put_request(b, i, rows);
    }
    b->n_running = kept;
    b->rows = rows;
    return rows;
}

void lm_batch_covariance(const lm_batch *b, double *cov, double *work)
{
    const int m = b->problem.m, n = b->problem.n;
    const size_t nn = (size_t)n * (size_t)n;
    for (int i = 0; i < b->count; i++) {
        double *out = SLICE(cov, i, nn);
        const lm_state *s = &b->states[i];
        double fill = INFINITY;
        if (is_success(s->status)
            && lm_covariance(n, SLICE(b->fjac, i, (size_t)m * (size_t)n), m,
                             SLICE(b->ipvt, i, n), out, work) == 0)
            continue;
        if (!is_success(s->status))
            fill = NAN;
        for (size_t k = 0; k < nn; k++)
            out[k] = fill;
    }
}
