// The examples menu: a formula with inputs that fit it. The first entry is what the page opens
// with; the mish curve is the plot panel's opening example.

export interface Example {
  title: string;
  formula: string;
  inputs: string;
}

export const EXAMPLES: Example[] = [
  {
    title: 'triplet margin',
    formula: 'mean(max(0, d(a, p) - d(a, n) + 1))',
    inputs: 'a: randn(8, 5)\np: randn(8, 5)\nn: randn(8, 5)',
  },
  {
    title: 'cross-entropy (stdlib)',
    formula: 'cross_entropy(x, y)',
    inputs: 'x: randn(8, 5)\ny: randint(5, [8])',
  },
  {
    title: 'log-softmax, picked (stabilized)',
    formula: '-mean(pick(log(softmax(x, dim=1)), y))',
    inputs: 'x: randn(8, 5)\ny: randint(5, [8])',
  },
  {
    title: 'logistic loss (log1p rewrite)',
    formula: 'mean(log(1 + exp(-y * z)))',
    inputs: 'z: randn(16)\ny: ones(16)',
  },
  {
    title: 'smooth L1, by hand',
    formula: 'mean(where(abs(x - y) < 1, 0.5 * (x - y)^2, abs(x - y) - 0.5))',
    inputs: 'x: randn(4, 6)\ny: randn(4, 6)',
  },
];

export const PLOT_EXAMPLE = { formula: 't * tanh(softplus(t))', from: -5, to: 3 };
