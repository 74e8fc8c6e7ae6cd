/**
 * Milestone timestamps (`milestoneTime`, RFC 3339 with milliseconds) for a stream of times that
 * mostly repeat: the pods scheduled in one slice share their millisecond, and pods queued
 * together share theirs. Remembers the last time formatted, so a repeat costs a comparison
 * instead of a Date and a string.
 */
import { milestoneTime } from '@skiff/api';

export class MilestoneTimes {
  #ms = Number.NaN;
  #text = '';

  /** `milestoneTime(ms)`. */
  format(ms: number): string {
    if (ms !== this.#ms) {
      this.#text = milestoneTime(ms);
      this.#ms = ms;
    }
    return this.#text;
  }
}
