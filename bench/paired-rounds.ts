/**
 * Two ways of doing the same work, timed item by item: the sides alternate which goes first (each
 * first half of the time), so load from other processes hits both alike, and the ratio uses the
 * summed times of all rounds. Used by the llama.cpp throughput benches.
 */
export interface Timed {
  ms: number;
}

export interface PairedTimes {
  subjectMs: number;
  baselineMs: number;
}

export async function pairedRounds<I, S extends Timed, B extends Timed>(
  items: readonly I[],
  rounds: number,
  sides: { subject: (item: I) => Promise<S>; baseline: (item: I) => Promise<B> },
  onPair: (item: I, subject: S, baseline: B) => void,
): Promise<PairedTimes> {
  const times = { subjectMs: 0, baselineMs: 0 };
  for (let round = 0; round < rounds; round++) {
    for (const [i, item] of items.entries()) {
      const baselineFirst = (round + i) % 2 === 1;
      const early = baselineFirst ? await sides.baseline(item) : undefined;
      const subject = await sides.subject(item);
      const baseline = early ?? (await sides.baseline(item));
      times.subjectMs += subject.ms;
      times.baselineMs += baseline.ms;
      onPair(item, subject, baseline);
    }
  }
  return times;
}

export interface ThroughputRatio {
  completionTokens: number;
  subjectTokensPerSecond: number;
  baselineTokensPerSecond: number;
  /** baseline time / subject time: the subject's speed relative to the baseline's. */
  ratio: number;
  target: number;
  passed: boolean;
}

/** Same seeds, same calls: both sides generate the same tokens, so the rate ratio is the time ratio. */
export function throughputRatio(
  tokens: number,
  rounds: number,
  times: PairedTimes,
  target = 0.9,
): ThroughputRatio {
  const ratio = times.baselineMs / times.subjectMs;
  return {
    completionTokens: tokens / rounds,
    subjectTokensPerSecond: Math.round((tokens * 1000) / times.subjectMs),
    baselineTokensPerSecond: Math.round((tokens * 1000) / times.baselineMs),
    ratio: Math.round(ratio * 1000) / 1000,
    target,
    passed: ratio >= target,
  };
}
