// The PyTorch side of the peer benchmarks (bench --peer, and the folder row of bench --pool).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export const PYTHON = '/usr/bin/python3';

/** The PyTorch side, scripts/peer-bench.py, kept running: one JSON request, one JSON answer. */
export class Peer {
  private readonly child = spawn(PYTHON, ['scripts/peer-bench.py'], { stdio: ['pipe', 'pipe', 'inherit'] });
  private readonly lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();

  async ask<T = { ms: number }>(request: Record<string, unknown>): Promise<T> {
    this.child.stdin.write(JSON.stringify(request) + '\n');
    const next = await this.lines.next();
    if (next.done) throw new Error('scripts/peer-bench.py stopped');
    return JSON.parse(next.value) as T;
  }

  close(): void {
    this.child.stdin.end();
  }
}
