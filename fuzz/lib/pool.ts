import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What became of one case. */
export type Outcome =
  | { kind: 'done'; code: number; stdout: string; stderr: string; ms: number; peakRss: number; leaked: number; noise: string }
  | { kind: 'crash' | 'hang' | 'memory'; detail: string; ms: number; peakRss: number };

export interface PoolOptions {
  /** The built case runner (dist/fuzz/case-runner.js). */
  script: string;
  size: number;
  /** Per-case limits: past them the child is killed and the case counted as a hang or out of memory. */
  timeoutMs: number;
  maxRssBytes: number;
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Child processes that run cases, each recycled after any death (a crash, a hang or a memory
 * overrun kills only that child; the campaign goes on with a fresh one). An RSS watchdog polls
 * /proc every 50 ms while a case runs.
 */
class Runner {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 0;
  /** Bytes the child printed itself (library banners, or the stack of a crash), last 4 kB. */
  private tail = '';

  constructor(private readonly opts: PoolOptions) {}

  private start(): Promise<void> {
    const child = fork(this.opts.script, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=8192'] });
    this.child = child;
    this.tail = '';
    const keep = (d: Buffer): void => {
      this.tail = (this.tail + d.toString()).slice(-4096);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    return new Promise((resolve, reject) => {
      const onMessage = (m: { type: string }): void => {
        if (m.type === 'ready') {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the case runner exited (${code}) before it was ready: ${this.tail}`)));
    });
  }

  private kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
    this.ready = undefined;
  }

  async run(argv: string[]): Promise<Outcome> {
    if (!this.ready) this.ready = this.start();
    await this.ready;
    const child = this.child!;
    const id = ++this.nextId;
    const started = Date.now();
    let peakRss = 0;
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const finish = (o: Outcome, restart: boolean): void => {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (restart) this.kill();
        resolve(o);
      };
      const onMessage = (m: {
        type: string;
        id?: number;
        code: number;
        stdout: string;
        stderr: string;
        ms: number;
        leaked: number;
        noise: string;
        detail?: string;
      }): void => {
        if (m.type === 'done' && m.id === id)
          finish(
            {
              kind: 'done',
              code: m.code,
              stdout: m.stdout,
              stderr: m.stderr,
              ms: m.ms,
              peakRss: Math.max(peakRss, rssOf(child.pid!)),
              leaked: m.leaked,
              noise: m.noise,
            },
            false,
          );
        else if (m.type === 'crash') finish({ kind: 'crash', detail: m.detail ?? 'crash', ms: Date.now() - started, peakRss }, true);
      };
      const onExit = (code: number | null, signal: string | null): void =>
        finish(
          {
            kind: 'crash',
            detail: `the process died (${signal ?? `exit ${code}`}): ${this.tail.trim().split('\n').slice(-3).join(' | ')}`,
            ms: Date.now() - started,
            peakRss,
          },
          true,
        );
      const watch = setInterval(() => {
        const rss = rssOf(child.pid!);
        peakRss = Math.max(peakRss, rss);
        if (rss > this.opts.maxRssBytes)
          finish({ kind: 'memory', detail: `resident memory passed ${(this.opts.maxRssBytes / 1e9).toFixed(1)} GB`, ms: Date.now() - started, peakRss }, true);
      }, 50);
      const timer = setTimeout(
        () => finish({ kind: 'hang', detail: `no answer within ${this.opts.timeoutMs / 1000} s`, ms: Date.now() - started, peakRss }, true),
        this.opts.timeoutMs,
      );
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, argv });
    });
  }

  dispose(): void {
    this.kill();
  }
}

/** Runs cases on `size` children, at most one case per child at a time. */
export class Pool {
  private readonly runners: Runner[];
  private readonly idle: Runner[];
  private readonly waiting: ((r: Runner) => void)[] = [];

  constructor(opts: PoolOptions) {
    this.runners = Array.from({ length: opts.size }, () => new Runner(opts));
    this.idle = [...this.runners];
  }

  async run(argv: string[]): Promise<Outcome> {
    const runner = this.idle.pop() ?? (await new Promise<Runner>((resolve) => this.waiting.push(resolve)));
    try {
      return await runner.run(argv);
    } finally {
      const next = this.waiting.shift();
      if (next) next(runner);
      else this.idle.push(runner);
    }
  }

  dispose(): void {
    for (const r of this.runners) r.dispose();
  }
}
