/* Adapters from the engine's callbacks to Python; see python_callbacks.h. */
#include <string.h>
#include "lmscope_engine.h"
#include "python_callbacks.h"

/* Defined in Python (lmscope/_callbacks.py) through cffi's extern "Python+C". */
int _lmscope_residual(void *handle);
int _lmscope_jacobian(void *handle);

int lm_python_residual(void *user, int m, int n, const double *x, double *fvec, int kind)
{
    lm_python_fit *fit = user;
    memcpy(fit->x_eval, x, sizeof(double) * (size_t)n);
    (void)kind;   /* Python needs only the point */
    int flag = _lmscope_residual(fit->handle);
    if (flag == 0)
        memcpy(fvec, fit->f_eval, sizeof(double) * (size_t)m);
    return flag;
}

int lm_python_jacobian(void *user, int m, int n, const double *x, double *fjac, int ldfjac)
{
    lm_python_fit *fit = user;
    memcpy(fit->x_eval, x, sizeof(double) * (size_t)n);
    int flag = _lmscope_jacobian(fit->handle);
    /* Python wrote into jac_eval, which is the engine's fjac when the
       caller set it up so (lmscope does): copy only otherwise. */
    if (flag == 0 && fit->jac_eval != fjac)
        for (int j = 0; j < n; j++)
            memcpy(fjac + (size_t)j * (size_t)ldfjac, fit->jac_eval + (size_t)j * (size_t)m,
                   sizeof(double) * (size_t)m);
    return flag;
}
