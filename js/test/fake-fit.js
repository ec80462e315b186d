// A small Levenberg-Marquardt fit of y = a*exp(-b*t) + c, written for the
// harness only: it yields trial-step records with every field of the protocol,
// realistic rejections and lambda = 0 steps, and the cost on a grid. It is not
// MINPACK and is not meant to match it; the real numbers come from the kernel.

export const NAMES = ["a", "b", "c"];
export const T = Array.from({ length: 30 }, (_, k) => (k * 4) / 29);
// Deterministic "noise", so screenshots are comparable between runs.
const NOISE = T.map((_, k) => 0.04 * Math.sin(7.3 * k + 1.1));
export const Y = T.map((t, k) => 2 * Math.exp(-1.3 * t) + 0.5 + NOISE[k]);
export const SIGMA = T.map(() => 0.04);

export const model = (p, t) => p[0] * Math.exp(-p[1] * t) + p[2];
const residuals = (p) => T.map((t, k) => (model(p, t) - Y[k]) / SIGMA[k]);
const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const jacobian = (p) => T.map((t, k) => [Math.exp(-p[1] * t), -p[0] * t * Math.exp(-p[1] * t), 1].map((d) => d / SIGMA[k]));

function solve(A, b) {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[pivot][c])) pivot = r;
    [M[c], M[pivot]] = [M[pivot], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

/** Records of a fit from x0, the first one the starting point. */
export function runFit(x0, maxSteps = 200) {
  let x = [...x0];
  let f = residuals(x);
  let fnorm = norm(f);
  let nfev = 1;
  let njev = 0;
  let lambda = 1e-3;
  let delta = 100 * norm(x);
  const nan = NaN;
  const records = [{ iteration: 0, nfev, njev, x: [...x], x_trial: [...x], fnorm, fnorm_trial: fnorm, pnorm: nan, delta, par: nan, ratio: nan, actred: nan, prered: nan, gnorm: nan, accepted: 1 }];
  for (let iteration = 1; records.length < maxSteps; iteration++) {
    const J = jacobian(x);
    njev++;
    const n = x.length;
    const A = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => J.reduce((s, row) => s + row[i] * row[j], 0)));
    const g = Array.from({ length: n }, (_, i) => J.reduce((s, row, k) => s + row[i] * f[k], 0));
    const gnorm = Math.max(...g.map((gi, i) => Math.abs(gi) / (Math.sqrt(A[i][i]) * fnorm)));
    let accepted = 0;
    let actred = 0;
    while (!accepted && records.length < maxSteps) {
      const damped = A.map((row, i) => row.map((v, j) => (i === j ? v * (1 + lambda) : v)));
      const p = solve(damped, g.map((v) => -v));
      const xt = x.map((v, i) => v + p[i]);
      const ft = residuals(xt);
      nfev++;
      const fnt = norm(ft);
      const Jp = J.map((row) => row.reduce((s, v, i) => s + v * p[i], 0));
      const predicted = norm(f) ** 2 - norm(f.map((v, k) => v + Jp[k])) ** 2;
      const prered = predicted / fnorm ** 2;
      actred = 1 - (fnt / fnorm) ** 2;
      const ratio = prered > 0 ? actred / prered : 0;
      accepted = ratio >= 1e-4 ? 1 : 0;
      const pnorm = norm(p);
      if (ratio < 0.25) {
        lambda = lambda === 0 ? 1e-3 : lambda * 10;
        delta = 0.5 * Math.min(delta, 10 * pnorm);
      } else if (ratio > 0.75) {
        lambda = lambda < 1e-7 ? 0 : lambda / 10;
        delta = 2 * pnorm;
      }
      if (accepted) {
        x = xt;
        f = ft;
        fnorm = fnt;
      }
      records.push({ iteration, nfev, njev, x: [...x], x_trial: xt, fnorm, fnorm_trial: fnt, pnorm, delta, par: lambda, ratio, actred, prered, gnorm, accepted });
    }
    if (accepted && Math.abs(actred) < 1e-12) break;
  }
  return records;
}

/** log10 of the cost 0.5*||f||^2 over parameters i and j, the others at x0. */
export function landscape(x0, i, j, fitId, nx = 60, ny = 50) {
  const span = (v) => [v - 2 * Math.max(Math.abs(v), 0.5), v + 2 * Math.max(Math.abs(v), 0.5)];
  const [ai, bi] = span(x0[i]);
  const [aj, bj] = span(x0[j]);
  const xi = Array.from({ length: nx }, (_, k) => ai + ((bi - ai) * k) / (nx - 1));
  const xj = Array.from({ length: ny }, (_, k) => aj + ((bj - aj) * k) / (ny - 1));
  const cost = [];
  for (const vj of xj) {
    for (const vi of xi) {
      const p = [...x0];
      p[i] = vi;
      p[j] = vj;
      cost.push(Math.log10(0.5 * norm(residuals(p)) ** 2));
    }
  }
  return { i, j, xi, xj, log10_cost: cost, fit_id: fitId };
}
