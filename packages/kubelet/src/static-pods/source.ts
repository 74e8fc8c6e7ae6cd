/**
 * Follows the manifest directory: reads it when it changes (fs.watch) and
 * every check interval (upstream's file-check-frequency, 20 s), and reports
 * which static pods appeared and which went (a changed manifest is one of
 * each: its hash, hence its uid, changed).
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Pod } from '@skiff/api';
import { readStaticPods, type ManifestError } from './manifests.js';

export interface StaticPodHandlers {
  onAdd: (pod: Pod) => void;
  onRemove: (pod: Pod) => void;
  onError: (error: ManifestError) => void;
}

export class StaticPodSource {
  private readonly current = new Map<string, Pod>();
  private readonly reported = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly nodeName: string,
    private readonly handlers: StaticPodHandlers,
    private readonly checkIntervalMs = 20_000,
  ) {}

  /** Reads the directory now and then follows it. */
  start(): void {
    this.scan();
    this.timer = setInterval(() => this.scan(), this.checkIntervalMs);
    try {
      this.watcher = watch(this.dir, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.scan(), 100);
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // no directory (yet): the interval still reads it
    }
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    this.watcher?.close();
  }

  /** The static pods now, by uid. */
  pods(): ReadonlyMap<string, Pod> {
    return this.current;
  }

  private scan(): void {
    const { pods, errors } = readStaticPods(this.dir, this.nodeName);
    for (const e of errors) {
      const key = `${e.file}: ${e.message}`;
      if (!this.reported.has(key)) this.handlers.onError(e);
      this.reported.add(key);
    }
    const seen = new Set<string>();
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      seen.add(uid);
      if (this.current.has(uid)) continue;
      this.current.set(uid, pod);
      this.handlers.onAdd(pod);
    }
    for (const [uid, pod] of [...this.current]) {
      if (seen.has(uid)) continue;
      this.current.delete(uid);
      this.handlers.onRemove(pod);
    }
  }
}
