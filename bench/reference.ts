// Hand-written fused loops, one per workload: the yardstick lossc's generated code is held to.
// Each computes the value and the gradient with respect to the prediction in as few passes as
// the maths allows, writing into a caller-owned gradient buffer, with Math.* for exp/log and
// branch-free arithmetic where the data decides (a mispredicted branch costs more than the
// arithmetic). Conventions match the library's (kinks pass the gradient as clamp does; ties in
// a hinge at 0 count as active), so results agree with lossc's to rounding.

type F = Float32Array;

/** W1 mean((x - y)^2). */
export function mse(x: F, y: F, g: F): number {
  const n = x.length;
  const k = 2 / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - y[i]!;
    s += d * d;
    g[i] = k * d;
  }
  return s / n;
}

/** W2 mean(|x - y|); sign(0) = 0. */
export function l1(x: F, y: F, g: F): number {
  const n = x.length;
  const k = 1 / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - y[i]!;
    s += Math.abs(d);
    g[i] = k * (+(d > 0) - +(d < 0));
  }
  return s / n;
}

/** W3/W7 mean over rows of logsumexp(x_i) - x_i[t_i]: max, then exp and sum, then the gradient. */
export function crossEntropy(x: F, t: Int32Array, g: F, rows: number, cols: number): number {
  const k = 1 / rows;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j]! > m) m = x[o + j]!;
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[o + j]! - m);
      s += e;
      g[o + j] = e;
    }
    const c = k / s;
    for (let j = 0; j < cols; j++) g[o + j] = g[o + j]! * c;
    const tr = t[r]!;
    g[o + tr] = g[o + tr]! - k;
    total += m + Math.log(s) - x[o + tr]!;
  }
  return total * k;
}

/** W4 mean(softplus(x) - x y) = BCE with logits; gradient (sigmoid(x) - y) / n, one exp per element. */
export function bceWithLogits(x: F, y: F, g: F): number {
  const n = x.length;
  const k = 1 / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    const e = Math.exp(-Math.abs(xi));
    const p = +(xi >= 0);
    s += p * xi - xi * yi + Math.log1p(e);
    g[i] = k * ((p + (1 - p) * e) / (1 + e) - yi);
  }
  return s * k;
}

/** W5 mean(max(0, ‖a - p + eps‖ - ‖a - n + eps‖ + margin)), gradient w.r.t. the anchor. */
export function triplet(a: F, p: F, q: F, g: F, rows: number, cols: number, margin: number, eps: number): number {
  const k = 1 / rows;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let sp = 0;
    let sn = 0;
    for (let j = 0; j < cols; j++) {
      const dp = a[o + j]! - p[o + j]! + eps;
      const dn = a[o + j]! - q[o + j]! + eps;
      sp += dp * dp;
      sn += dn * dn;
    }
    const dP = Math.sqrt(sp);
    const dN = Math.sqrt(sn);
    const h = dP - dN + margin;
    const on = +(h >= 0);
    total += on * h;
    const cp = dP === 0 ? 0 : (on * k) / dP;
    const cn = dN === 0 ? 0 : (on * k) / dN;
    for (let j = 0; j < cols; j++) g[o + j] = (a[o + j]! - p[o + j]! + eps) * cp - (a[o + j]! - q[o + j]! + eps) * cn;
  }
  return total * k;
}

/** W6 kl_div(x = log q, t, batchmean) = sum(t (log t - x)) / rows; 0 log 0 = 0. */
export function klDiv(x: F, t: F, g: F, rows: number): number {
  const n = x.length;
  const k = 1 / rows;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const ti = t[i]!;
    s += (ti === 0 ? 0 : ti * Math.log(ti)) - ti * x[i]!;
    g[i] = -k * ti;
  }
  return s * k;
}

/** W8 mean(max(0, -y (x1 - x2) + margin)), gradient w.r.t. x1. */
export function marginRanking(x1: F, x2: F, y: F, g: F, margin: number): number {
  const n = x1.length;
  const k = 1 / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i]!;
    const d = margin - yi * (x1[i]! - x2[i]!);
    const on = +(d >= 0);
    s += on * d;
    g[i] = -k * on * yi;
  }
  return s * k;
}
