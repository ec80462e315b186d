"""`curvefit` for xarray: `xarray.Dataset.curvefit`'s signature and output,
fitted by lmscope's lockstep batch engine.

xarray's own curvefit calls SciPy's `curve_fit` once per pixel; here every
pixel of a block is one row of one `lmscope.batch.curve_fit` call, so a
dask-backed input stays lazy and runs one batch call per chunk (on a
`dask.distributed` cluster too).  Each pixel's fit is the fit SciPy's
`curve_fit` makes of it (method 'lm'), so without bounds the coefficients
and covariance equal xarray's own.  Beyond xarray's output, the result holds each fit's
`curvefit_ier`, `curvefit_nfev`, `curvefit_fnorm` and `curvefit_message`.

Differences from xarray's curvefit, all deliberate:

- Finite `bounds` are fitted by MINUIT's parameter transformations, as
  `lmscope.curve_fit` fits them (lmfit's method), not by SciPy's 'trf',
  which xarray's curvefit uses whenever a bound is finite: where a bound is
  inactive both reach the same minimum to the fits' tolerance; where one is
  active, the coefficient reaches the limit in both but its standard error
  here is near zero (dx/du vanishes there) and says nothing.  Each pixel
  equals `lmscope.curve_fit(..., bounds=...)` on it alone.  A start exactly
  on a limit cannot leave it (SciPy moves such a start inside).
- A pixel whose fit fails is named in the RuntimeError of errors='raise';
  with errors='ignore' its coefficients and covariance are NaN, as in
  xarray, and its ier and message say why.  A pixel left with fewer points
  than parameters once NaN are skipped is such a failure (SciPy raises a
  TypeError for it, which xarray lets through).
- skipna=True leaves out the points where y or any coordinate is NaN
  (xarray keeps a point while one coordinate is not NaN).

Importing this module registers the `.lmscope` accessor on DataArray and
Dataset: `da.lmscope.curvefit("x", model)`.  xarray and dask are optional
dependencies, imported only here.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable

import numpy as np
import xarray as xr

from . import batch

__all__ = ["curvefit"]

_OUTPUTS = ("coefficients", "covariance", "ier", "nfev", "fnorm", "message")


def curvefit(
    obj,
    coords,
    func,
    reduce_dims=None,
    skipna=True,
    p0=None,
    bounds=None,
    param_names=None,
    errors="raise",
    kwargs=None,
):
    """Fit ``func(x, *params)`` along `coords` at every point of the other
    dimensions of `obj` (a DataArray or Dataset), as `xarray.Dataset.curvefit`.

    coords : name, DataArray, or a sequence of them
        The independent coordinate(s); func receives x as one array, or for
        several coordinates as an array of shape (n_coords, n_points).
    func : callable ``func(x, *params)``
        Evaluated on blocks of pixels: each params[j] arrives with shape
        (k, 1), so a numpy model written for one pixel works unchanged.
    reduce_dims : dims to fit over besides the coordinates' own
    skipna : leave out NaN points pixel by pixel (else NaN is an error)
    p0 : {name: value or DataArray over the kept dims}; default: func's
        default values, else 1 (inside its bounds: else, as xarray, the
        middle of two limits, or 1 inside a single one)
    bounds : {name: (lower, upper)}, each a value or a DataArray over the
        kept dims (limits per pixel); -inf / inf for none.  Fitted by MINUIT's
        parameter transformations, not by SciPy's 'trf' as xarray's own
        curvefit is (see this module's notes).
    param_names : names of func's parameters, needed when func takes *params
    errors : 'raise' (a failed fit raises RuntimeError) or 'ignore' (NaN)
    kwargs : passed to `lmscope.batch.curve_fit` (ftol, xtol, maxfev, ...,
        sigma shared by every pixel, block_size)

    Returns a Dataset with ``[var_]curvefit_coefficients`` (dims ..., param),
    ``[var_]curvefit_covariance`` (..., cov_i, cov_j), and
    ``[var_]curvefit_ier``, ``_nfev``, ``_fnorm``, ``_message``.
    """
    if not isinstance(obj, (xr.DataArray, xr.Dataset)):
        raise TypeError(f"obj must be an xarray DataArray or Dataset, got {type(obj).__name__}")
    if not callable(func):
        raise TypeError(f"func must be callable as func(x, *params), got {type(func).__name__}")
    if errors not in ("raise", "ignore"):
        raise ValueError(f'errors must be either "raise" or "ignore", got {errors!r}')
    p0 = {} if p0 is None else dict(p0)
    bounds = {} if bounds is None else dict(bounds)
    kwargs = {} if kwargs is None else dict(kwargs)
    for reserved in ("p0", "bounds", "nan_policy", "progress"):
        if reserved in kwargs:
            raise TypeError(f"kwargs must not contain {reserved!r}: curvefit sets it")

    coord_arrays = _coordinates(obj, coords)
    reduce = _reduce_dims(obj, coord_arrays, reduce_dims)
    kept = [d for d in obj.dims if d not in reduce]
    names, defaults = _parameters(func, param_names)
    _check_over_kept_dims("Initial guess", p0, kept)
    _check_bounds(bounds, names, kept)
    unknown = set(p0) - set(names)
    if unknown:
        raise ValueError(f"p0 names unknown parameters {sorted(unknown)}; func has {names}")
    lowers = [bounds.get(name, (-np.inf, np.inf))[0] for name in names]
    uppers = [bounds.get(name, (-np.inf, np.inf))[1] for name in names]
    starts = [
        p0[name] if name in p0 else _feasible(defaults[name], lower, upper)
        for name, lower, upper in zip(names, lowers, uppers, strict=True)
    ]

    coord_arrays = xr.broadcast(*coord_arrays)
    coord_arrays = [c.broadcast_like(obj, exclude=kept) for c in coord_arrays]
    n = len(names)
    fit_block = _block_fitter(func, n, len(coord_arrays), len(reduce), skipna, errors, kwargs)

    if isinstance(obj, xr.DataArray):
        variables = {"": obj}
    else:
        variables = {f"{name}_": da for name, da in obj.data_vars.items()}
    result = xr.Dataset()
    for prefix, da in variables.items():
        outputs = xr.apply_ufunc(
            fit_block,
            da,
            *coord_arrays,
            *starts,
            *lowers,
            *uppers,
            input_core_dims=[reduce] * (1 + len(coord_arrays)) + [[]] * (3 * n),
            output_core_dims=[["param"], ["cov_i", "cov_j"], [], [], [], []],
            exclude_dims=set(reduce),
            dask="parallelized",
            output_dtypes=[np.float64, np.float64, np.int32, np.int32, np.float64, object],
            dask_gufunc_kwargs={"output_sizes": {"param": n, "cov_i": n, "cov_j": n}},
        )
        for label, output in zip(_OUTPUTS, outputs, strict=True):
            result[f"{prefix}curvefit_{label}"] = output
    result = result.assign_coords(param=names, cov_i=names, cov_j=names)
    result.attrs = obj.attrs.copy()
    return result


def _coordinates(obj, coords) -> list:
    if isinstance(coords, (str, xr.DataArray)) or not isinstance(coords, Iterable):
        coords = [coords]
    return [obj[c] if isinstance(c, str) else c for c in coords]


def _reduce_dims(obj, coord_arrays, reduce_dims) -> list:
    if reduce_dims is None:
        reduce = []
    elif isinstance(reduce_dims, str) or not isinstance(reduce_dims, Iterable):
        reduce = [reduce_dims]
    else:
        reduce = list(reduce_dims)
    for coord in coord_arrays:
        reduce += [d for d in obj.dims if d not in reduce and coord.equals(obj[d])]
    if not reduce:
        raise ValueError(
            "No dimension to fit over: none of `coords` is a dimension of obj and "
            "reduce_dims is empty, so each fit would have a single data point"
        )
    # obj's order, so that the points of a pixel are raveled as xarray ravels them.
    return [d for d in obj.dims if d in reduce] + [d for d in reduce if d not in obj.dims]


def _parameters(func, param_names):
    """The parameter names and their default starts (func's defaults, else 1)."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        if not param_names:
            raise ValueError(
                f"func's signature cannot be inspected ({exc}); pass param_names"
            ) from None
        signature = None
    if signature is not None:
        listed = list(signature.parameters.values())
        variadic = any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in listed)
        if variadic and not param_names:
            raise ValueError("param_names must be given: func takes variable length arguments")
    if param_names:
        names = list(param_names)
    else:
        names = [p.name for p in listed[1:]]
    if not names:
        raise ValueError("func has no parameters to fit after x; pass param_names")
    defaults = dict.fromkeys(names, 1.0)
    if signature is not None:
        for name in names:
            parameter = signature.parameters.get(name)
            if parameter is not None and parameter.default is not parameter.empty:
                defaults[name] = parameter.default
    return names, defaults


def _check_over_kept_dims(label: str, values: dict, kept: list) -> None:
    for name, value in values.items():
        if isinstance(value, xr.DataArray):
            unexpected = set(value.dims) - set(kept)
            if unexpected:
                raise ValueError(
                    f"{label} for {name!r} has unexpected dimensions {tuple(unexpected)}; "
                    f"it may only have dimensions of the fits, {kept}"
                )


def _check_bounds(bounds: dict, names: list, kept: list) -> None:
    for name, pair in bounds.items():
        if name not in names:
            raise ValueError(f"bounds name an unknown parameter {name!r}; func has {names}")
        try:
            lower, upper = pair
        except (TypeError, ValueError):
            raise ValueError(
                f"bounds for {name!r} must be a pair (lower, upper), got {pair!r}"
            ) from None
        _check_over_kept_dims("Lower bound", {name: lower}, kept)
        _check_over_kept_dims("Upper bound", {name: upper}, kept)


def _feasible(default, lower, upper):
    """A default start moved inside its limits where it lies outside them,
    where xarray's curvefit (after SciPy's) moves it: the middle of two
    limits, one inside a single limit."""
    if not isinstance(lower, xr.DataArray) and not isinstance(upper, xr.DataArray):
        if lower <= default <= upper:
            return default
    lower_finite, upper_finite = np.isfinite(lower), np.isfinite(upper)
    inside = xr.where(
        lower_finite,
        xr.where(upper_finite, 0.5 * (lower + upper), lower + 1),
        xr.where(upper_finite, upper - 1, 0.0),
    )
    return xr.where((default < lower) | (default > upper), inside, default)


def _block_fitter(func, n, n_coords, n_reduce, skipna, errors, kwargs):
    """The function apply_ufunc calls on each block of pixels: one batch fit
    of all of them."""

    def fit_block(values, *arrays):
        coords, per_parameter = arrays[:n_coords], arrays[n_coords:]
        loop_shape = np.broadcast_shapes(
            values.shape[: values.ndim - n_reduce],
            *(c.shape[: c.ndim - n_reduce] for c in coords),
            *(np.shape(s) for s in per_parameter),
        )
        point_shape = values.shape[values.ndim - n_reduce :]
        count, m = math.prod(loop_shape), math.prod(point_shape)
        ydata = np.broadcast_to(values, loop_shape + point_shape).reshape(count, m)
        xdata = _xdata(coords, loop_shape, n_reduce, count, m)
        # starts, lower and upper limits: n arrays each, in that order
        p0, lower, upper = (
            np.column_stack(
                [
                    np.broadcast_to(v, loop_shape).reshape(count)
                    for v in per_parameter[k * n : (k + 1) * n]
                ]
            ).reshape(count, n)
            for k in range(3)
        )
        fit = batch.curve_fit(
            func,
            xdata,
            ydata,
            p0=p0,
            bounds=(lower, upper),
            nan_policy="omit" if skipna else "raise",
            **kwargs,
        )
        popt, pcov = fit.popt, fit.pcov
        no_data = np.isnan(ydata).all(axis=1) if skipna else np.zeros(count, dtype=bool)
        failed = ~fit.success & ~no_data
        if failed.any():
            if errors == "raise":
                first = int(np.flatnonzero(failed)[0])
                pixel = tuple(int(i) for i in np.unravel_index(first, loop_shape))
                raise RuntimeError(
                    f"Optimal parameters not found: {fit.message[first]} "
                    f"(at pixel {pixel} of a block of "
                    f"shape {loop_shape}; {int(failed.sum())} of {count} fits failed; "
                    f"errors='ignore' gives them NaN)"
                )
            popt = popt.copy()
            popt[failed] = np.nan
            pcov[failed] = np.nan
        return (
            popt.reshape(loop_shape + (n,)),
            pcov.reshape(loop_shape + (n, n)),
            fit.ier.reshape(loop_shape),
            fit.nfev.reshape(loop_shape),
            fit.fnorm.reshape(loop_shape),
            fit.message.reshape(loop_shape),
        )

    return fit_block


def _xdata(coords, loop_shape, n_reduce, count, m):
    """x as xarray's curvefit hands it to func: one raveled coordinate, or
    (n_coords, m); shared by the block when no coordinate varies over the
    pixels, else one per pixel (count, m) or (count, n_coords, m)."""
    shared = all(math.prod(c.shape[: c.ndim - n_reduce]) == 1 for c in coords)
    if shared:
        x = np.vstack([np.asarray(c).reshape(m) for c in coords])
        return x[0] if len(coords) == 1 else x
    per_pixel = [
        np.broadcast_to(c, loop_shape + c.shape[c.ndim - n_reduce :]).reshape(count, m)
        for c in coords
    ]
    return per_pixel[0] if len(coords) == 1 else np.stack(per_pixel, axis=1)


class _CurvefitAccessor:
    """``obj.lmscope.curvefit(...)``: `lmscope.xarray.curvefit` on obj."""

    def __init__(self, obj):
        self._obj = obj

    def curvefit(self, coords, func, **options):
        return curvefit(self._obj, coords, func, **options)


xr.register_dataarray_accessor("lmscope")(_CurvefitAccessor)
xr.register_dataset_accessor("lmscope")(_CurvefitAccessor)
