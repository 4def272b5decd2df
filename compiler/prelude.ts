// The prelude: definitions every formula can call, written in the loss language itself.
// Calls into the prelude are inlined like user defs; errors and anomaly reports inside them
// point at the user's call site, not at this text.

export const PRELUDE_SOURCE = `
# Euclidean (L2) distance over the last dim.
def d(x, y) = norm(x - y, 2, dim=-1)

# torch.nn.functional.pairwise_distance: eps is added to the difference.
def pairwise_distance(x, y, p = 2, eps = 1e-6, keepdim = false) = norm(x - y + eps, p, dim=-1, keepdim=keepdim)

# torch.nn.functional.cosine_similarity: x·y / sqrt(max(‖x‖²‖y‖², eps²)).
def cosine_similarity(x, y, dim = 1, eps = 1e-8) =
  sum(x * y, dim=dim) / sqrt(max(sum(x * x, dim=dim) * sum(y * y, dim=dim), eps * eps))

# Mish (Misra 2019): x * tanh(softplus(x)).
def mish(x) = x * tanh(softplus(x))

# True when x and y have the same shape: a compile-time check, as in
# require(same_shape(input, target), "…"). d counts down the dims still to compare.
def same_shape(x, y, d = rank(x) - 1) =
  if rank(x) != rank(y) then false
  else if d < 0 then true
  else if size(x, d) != size(y, d) then false
  else same_shape(x, y, d - 1)
`;
