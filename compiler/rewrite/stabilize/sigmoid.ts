// Stability rules for the logistic family: sigmoid, logsigmoid and softplus, as logistic
// losses and binary cross-entropy written on probabilities use them.

import { ruleTable, type RuleSpec } from '../engine.js';

const SIGMOID_RULES: RuleSpec[] = [
  {
    name: 'logsigm_to_softplus',
    lhs: 'log(sigmoid(x))',
    rhs: 'logsigmoid(x)',
    source: 'PyTensor logsigm_to_softplus: log(sigmoid(x)) = -softplus(-x)',
    domain: 'all x; logsigmoid(x) is -softplus(-x), evaluated as min(x, 0) - log1p(exp(-|x|))',
    example: 'log(sigmoid(x))',
  },
  {
    name: 'local_1msigmoid',
    lhs: '1 - sigmoid(x)',
    rhs: 'sigmoid(-x)',
    source: 'PyTensor local_1msigmoid',
    domain: 'all x (1 - sigmoid(x) is 0 from x ≈ 37 on, sigmoid(-x) keeps every digit)',
    example: '1 - sigmoid(x)',
  },
  {
    name: 'log1p_neg_sigmoid',
    lhs: 'log1p(-sigmoid(x))',
    rhs: 'logsigmoid(-x)',
    source: 'PyTensor log1p_neg_sigmoid / log1msigm_to_softplus: = -softplus(x)',
    domain: 'all x',
    example: 'log1p(-sigmoid(x))',
  },
  {
    name: 'local_exp_over_1_plus_exp',
    lhs: 'exp(x) / (1 + exp(x))',
    rhs: 'sigmoid(x)',
    source: 'PyTensor local_exp_over_1_plus_exp',
    domain: 'all x (inf/inf as written from x = 710 on)',
    example: 'exp(x) / (1 + exp(x))',
  },
  {
    name: 'local_reciprocal_1_plus_exp',
    lhs: 'y / (1 + exp(x))',
    rhs: 'y * sigmoid(-x)',
    source: 'PyTensor local_exp_over_1_plus_exp / local_reciprocal_1_plus_exp',
    domain: 'all x, y',
    example: '1 / (1 + exp(-x))',
  },
  {
    name: 'local_sigm_times_exp',
    lhs: 'exp(x) * sigmoid(-x)',
    rhs: 'sigmoid(x)',
    source: 'PyTensor local_sigm_times_exp',
    domain: 'all x',
    example: 'exp(x) * sigmoid(-x)',
  },
  {
    name: 'local_odds_sigmoid',
    lhs: 'sigmoid(x) / sigmoid(-x)',
    rhs: 'exp(x)',
    source: 'PyTensor local_odds_sigmoid: sigmoid(x) / (1 - sigmoid(x)) = exp(x)',
    domain: 'all x (the odds are finite up to x ≈ 709; 1 - sigmoid(x) is 0 from 37 on)',
    example: 'sigmoid(x) / (1 - sigmoid(x))',
  },
  {
    name: 'log1pexp_to_softplus',
    lhs: 'log1p(exp(x))',
    rhs: 'softplus(x)',
    source: 'PyTensor local_log1p_plusminus_exp (log1pexp)',
    domain: 'all x (log(1 + exp(x)) overflows from x = 710 on and is 0 below -37)',
    example: 'log1p(exp(x))',
  },
  {
    name: 'softplus_minus_x',
    lhs: 'softplus(x) - x',
    rhs: 'softplus(-x)',
    source: 'Herbie log1p-exp regimes: log(1 + e^x) - x = log(1 + e^-x)',
    domain: 'all finite x (cancels to 0 as written for x > 37)',
    example: 'log(1 + exp(x)) - x',
  },
  {
    name: 'x_minus_softplus',
    lhs: 'x - softplus(x)',
    rhs: 'logsigmoid(x)',
    source: 'x - log(1 + e^x) = log(sigmoid(x))',
    domain: 'all finite x',
    example: 'x - log(1 + exp(x))',
  },
  {
    name: 'logsigmoid_difference',
    lhs: 'logsigmoid(x) - logsigmoid(-x)',
    rhs: 'x',
    source: 'log σ(x) - log σ(-x) = x (the log-odds); the target gradient of binary cross-entropy with logits',
    domain: 'all x (both terms round to -log 2 as written for |x| < 1e-16)',
    example: 'log(sigmoid(x)) - log(1 - sigmoid(x))',
  },
  {
    name: 'logsigmoid_difference_neg',
    lhs: 'logsigmoid(-x) - logsigmoid(x)',
    rhs: '-x',
    source: 'log σ(-x) - log σ(x) = -x',
    domain: 'all x',
    example: 'log(1 - sigmoid(x)) - log(sigmoid(x))',
  },
  {
    name: 'softplus_difference',
    lhs: 'softplus(x) - softplus(-x)',
    rhs: 'x',
    source: 'softplus(x) - softplus(-x) = x',
    domain: 'all x',
    example: 'softplus(x) - softplus(-x)',
  },
];

export const sigmoidTable = ruleTable('sigmoid', 'stability', 'sigmoid, logsigmoid and softplus (logistic losses)', SIGMOID_RULES);
