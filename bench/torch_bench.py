"""PyTorch eager, one thread: the bench workloads W1-W8 (bench/workloads.ts), forward and
backward with respect to the prediction, float32. Prints JSON {"torch": version, "times": {id: ms}}
with the median of --reps calls after warm-up. Run by bench/run.ts with /usr/bin/python3."""

import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

BIG = 4194304


def workloads():
    g = torch.Generator().manual_seed(1)
    randn = lambda *s, scale=1.0: torch.randn(*s, generator=g) * scale
    ints = lambda n, hi: torch.randint(0, hi, (n,), generator=g)
    return {
        "W1": (lambda x, y: F.mse_loss(x, y), randn(BIG), [randn(BIG)]),
        "W2": (lambda x, y: F.l1_loss(x, y), randn(BIG), [randn(BIG)]),
        "W3": (lambda x, t: F.cross_entropy(x, t), randn(4096, 1000, scale=3.0), [ints(4096, 1000)]),
        "W4": (lambda x, y: F.binary_cross_entropy_with_logits(x, y), randn(BIG, scale=3.0), [torch.rand(BIG, generator=g)]),
        "W5": (lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=1.0), randn(16384, 128), [randn(16384, 128), randn(16384, 128)]),
        "W6": (
            lambda x, t: F.kl_div(x, t, reduction="batchmean"),
            torch.log_softmax(randn(32, 49152), dim=1),
            [torch.softmax(randn(32, 49152), dim=1)],
        ),
        "W7": (lambda x, t: -torch.log_softmax(x, dim=1).gather(1, t[:, None]).mean(), randn(4096, 1000, scale=3.0), [ints(4096, 1000)]),
        "W8": (
            lambda x1, x2, y: F.margin_ranking_loss(x1, x2, y, margin=0.0),
            randn(BIG),
            [randn(BIG), torch.randint(0, 2, (BIG,), generator=g).float() * 2 - 1],
        ),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    torch.set_num_threads(1)
    only = set(a.only.split(",")) if a.only else None
    times = {}
    for wid, (loss, x, rest) in workloads().items():
        if only and wid not in only:
            continue
        x = x.float().requires_grad_(True)

        def step():
            v = loss(x, *rest)
            (gx,) = torch.autograd.grad(v, [x])
            return v.item(), gx

        for _ in range(3):
            step()
        samples = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            step()
            samples.append((time.perf_counter() - t0) * 1000)
        times[wid] = statistics.median(samples)
    print(json.dumps({"torch": torch.__version__, "times": times}))


if __name__ == "__main__":
    main()
