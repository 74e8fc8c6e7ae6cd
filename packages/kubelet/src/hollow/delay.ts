/** Simulated delays: a fixed value or a uniform random pick from a range. */

/** A delay drawn uniformly from [minMs, maxMs]; minMs === maxMs is a fixed delay. */
export interface DelayRange {
  minMs: number;
  maxMs: number;
}

/** Parses `150` (fixed) or `0-200` (range) milliseconds; throws RangeError on anything else. */
export function parseDelayRange(text: string): DelayRange {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (m === null) throw new RangeError(`a delay is milliseconds (150) or a range (0-200), not "${text}"`);
  const minMs = Number(m[1]);
  const maxMs = m[2] === undefined ? minMs : Number(m[2]);
  if (maxMs < minMs) throw new RangeError(`the delay range ${text} ends before it starts`);
  return { minMs, maxMs };
}

/** A delay from the range, in whole milliseconds. */
export function pickDelay(range: DelayRange, random: () => number = Math.random): number {
  if (range.maxMs <= range.minMs) return range.minMs;
  return range.minMs + Math.floor(random() * (range.maxMs - range.minMs + 1));
}
