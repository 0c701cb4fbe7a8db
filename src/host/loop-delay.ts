import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import * as fs from 'node:fs';

const RESOLUTION_MS = 10;

export interface LoopDelayStats {
  /** What the interval covered: a job's name, or "idle" between jobs. */
  phase: string;
  durationMs: number;
  /** Event-loop delay in milliseconds: how late a timer due every 10 ms fired. */
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/**
 * Measures the extension host's event-loop delay, interval by interval (idle, then a job, then idle…),
 * with Node's own histogram timer. Writes one JSON line per interval to `file`: set
 * MODEL_LENS_HOST_METRICS to a path to turn it on (`npm run bench:host` does).
 */
export class LoopDelayRecorder {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private started = performance.now();

  constructor(private readonly file: string) {
    this.histogram.enable();
  }

  static fromEnv(): LoopDelayRecorder | undefined {
    const file = process.env.MODEL_LENS_HOST_METRICS?.trim();
    return file ? new LoopDelayRecorder(file) : undefined;
  }

  /** Closes the current interval under `phase`'s name and starts the next one. */
  mark(phase: string): LoopDelayStats {
    const h = this.histogram;
    const delay = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const now = performance.now();
    const stats: LoopDelayStats = {
      phase,
      durationMs: now - this.started,
      p50: h.count ? delay(h.percentile(50)) : 0,
      p99: h.count ? delay(h.percentile(99)) : 0,
      max: h.count ? delay(h.max) : 0,
      samples: h.count,
    };
    h.reset();
    this.started = now;
    fs.appendFileSync(this.file, JSON.stringify(stats) + '\n');
    return stats;
  }

  dispose(): void {
    this.histogram.disable();
  }
}
