/**
 * Low-rank profile of a weight matrix: randomized SVD (Halko, Martinsson & Tropp 2011,
 * Algorithms 4.3/5.1: Gaussian range sketch with oversampling and power iterations, then an
 * exact SVD of the small projected matrix) on a bounded sample, so a 4096 x 11008 weight
 * costs the same as a 512 x 512 one. Deterministic: the sketch uses a seeded generator.
 */
import type { LowRankProfile } from './types.js';
import { seededRandom } from '../random.js';

/** fp32 machine epsilon: the rank tolerance of numpy.linalg.matrix_rank for float32 input. */
const EPS_F32 = 2 ** -23;

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Orthonormalize the columns of Y (m x l, column-major arrays) in place; near-zero columns become 0. */
function orthonormalize(cols: Float64Array[], scale: number): void {
  for (let j = 0; j < cols.length; j++) {
    const v = cols[j];
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const q = cols[i];
        let d = 0;
        for (let r = 0; r < v.length; r++) d += q[r] * v[r];
        if (d !== 0) for (let r = 0; r < v.length; r++) v[r] -= d * q[r];
      }
    }
    let n = 0;
    for (let r = 0; r < v.length; r++) n += v[r] * v[r];
    n = Math.sqrt(n);
    if (n <= 1e-10 * scale) v.fill(0);
    else for (let r = 0; r < v.length; r++) v[r] /= n;
  }
}

/** Eigenvalues of a symmetric l x l matrix (row-major), cyclic Jacobi rotations. */
export function symmetricEigenvalues(a: Float64Array, l: number): number[] {
  const m = Float64Array.from(a);
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i] * a[i];
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < l; p++) for (let q = p + 1; q < l; q++) off += m[p * l + q] ** 2;
    if (off <= 1e-26 * total) break;
    for (let p = 0; p < l; p++) {
      for (let q = p + 1; q < l; q++) {
        const apq = m[p * l + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * l + q] - m[p * l + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) {
          const akp = m[k * l + p];
          const akq = m[k * l + q];
          m[k * l + p] = c * akp - s * akq;
          m[k * l + q] = s * akp + c * akq;
        }
        for (let k = 0; k < l; k++) {
          const apk = m[p * l + k];
          const aqk = m[q * l + k];
          m[p * l + k] = c * apk - s * aqk;
          m[q * l + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const out: number[] = [];
  for (let i = 0; i < l; i++) out.push(m[i * l + i]);
  return out;
}

export interface LowRankOptions {
  /** Singular values to compute (default 32). */
  k?: number;
  oversample?: number;
  powerIterations?: number;
  seed?: number;
}

/** Profile of the m x n matrix `a` (row-major float values). */
export function lowRankProfile(
  a: Float32Array | Float64Array,
  m: number,
  n: number,
  opts: LowRankOptions = {},
): LowRankProfile {
  const minDim = Math.min(m, n);
  const k = Math.min(opts.k ?? 32, minDim);
  const l = Math.min(k + (opts.oversample ?? 8), minDim);
  const rand = seededRandom(opts.seed ?? 0x5eed);
  let frob = 0;
  for (let i = 0; i < a.length; i++) {
    frob += a[i] * a[i];
  }
  const empty: LowRankProfile = {
    sampleShape: [m, n],
    singularValues: [],
    energy: [],
    numericalRank: 0,
    effectiveRank: 0,
    truncated: false,
  };
  if (frob === 0 || minDim === 0) return empty;
  // Y = A * Omega, as l columns of length m.
  const omega: Float64Array[] = Array.from({ length: l }, () => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = gaussian(rand);
    return v;
  });
  const times = (x: Float64Array): Float64Array => {
    const y = new Float64Array(m);
    for (let r = 0; r < m; r++) {
      let s = 0;
      const off = r * n;
      for (let c = 0; c < n; c++) s += a[off + c] * x[c];
      y[r] = s;
    }
    return y;
  };
  const timesT = (y: Float64Array): Float64Array => {
    const x = new Float64Array(n);
    for (let r = 0; r < m; r++) {
      const yr = y[r];
      if (yr === 0) continue;
      const off = r * n;
      for (let c = 0; c < n; c++) x[c] += a[off + c] * yr;
    }
    return x;
  };
  const scale = Math.sqrt(frob) * Math.sqrt(n);
  let Y = omega.map(times);
  orthonormalize(Y, scale);
  for (let it = 0; it < (opts.powerIterations ?? 2); it++) {
    const Z = Y.map(timesT);
    orthonormalize(Z, 1);
    Y = Z.map(times);
    orthonormalize(Y, scale);
  }
  // B = Q^T A (l x n); singular values of B are those of A restricted to range(Q).
  const B = Y.map(timesT); // row j of B = A^T q_j
  const G = new Float64Array(l * l);
  for (let i = 0; i < l; i++) {
    for (let j = i; j < l; j++) {
      let s = 0;
      const bi = B[i];
      const bj = B[j];
      for (let c = 0; c < n; c++) s += bi[c] * bj[c];
      G[i * l + j] = s;
      G[j * l + i] = s;
    }
  }
  const sv = symmetricEigenvalues(G, l)
    .map((e) => Math.sqrt(Math.max(e, 0)))
    .sort((x, y) => y - x)
    .slice(0, k);
  const tol = sv[0] * Math.max(m, n) * EPS_F32;
  const numericalRank = sv.filter((s) => s > tol).length;
  const energy: number[] = [];
  let acc = 0;
  for (const s of sv) {
    acc += s * s;
    energy.push(Math.min(1, acc / frob));
  }
  const idx = energy.findIndex((e) => e >= 0.99);
  return {
    sampleShape: [m, n],
    singularValues: sv,
    energy,
    numericalRank,
    effectiveRank: idx >= 0 ? idx + 1 : null,
    truncated: k < minDim,
  };
}
