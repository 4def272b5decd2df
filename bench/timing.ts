// Timing helpers: interleaved repetitions (every contender runs once per round, so load spikes
// on a shared machine hit all of them alike), medians, and a spread to judge the noise by.

export type Call = () => unknown;

export interface Timing {
  /** Median wall time per call, ms. */
  median: number;
  /** Median CPU time (user + system) of this process per call, ms. */
  cpu: number;
  /** Interquartile range of the wall times, ms. */
  iqr: number;
  reps: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/** Times one call (awaiting a Promise result), in ms of wall and CPU time. */
export async function timeOnce(f: Call): Promise<[number, number]> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = f();
  if (r instanceof Promise) await r;
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1000];
}

/** Runs every contender `warmup` times, then `reps` interleaved rounds; returns a Timing per contender. */
export async function interleaved(calls: Record<string, Call>, reps: number, warmup = 3): Promise<Record<string, Timing>> {
  const names = Object.keys(calls);
  for (const n of names) for (let i = 0; i < warmup; i++) await timeOnce(calls[n]!);
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (const n of names) {
    wall[n] = [];
    cpu[n] = [];
  }
  for (let r = 0; r < reps; r++) {
    for (const n of names) {
      const [w, c] = await timeOnce(calls[n]!);
      wall[n]!.push(w);
      cpu[n]!.push(c);
    }
  }
  const out: Record<string, Timing> = {};
  for (const n of names) {
    out[n] = { median: median(wall[n]!), cpu: median(cpu[n]!), iqr: quantile(wall[n]!, 0.75) - quantile(wall[n]!, 0.25), reps };
  }
  return out;
}

/** Median time per call of a fast function, from batches of `batch` calls, in µs. */
export function microseconds(f: () => unknown, batch: number, rounds: number): number {
  for (let i = 0; i < batch; i++) f();
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) f();
    per.push(Number(process.hrtime.bigint() - t0) / 1e3 / batch);
  }
  return median(per);
}

export { median };
