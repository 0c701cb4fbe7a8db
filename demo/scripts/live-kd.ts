// Writes a TensorBoard event file that grows while you watch: the same tags as demo/train_kd.py
// (loss/total, loss/ce, loss/kd, then val_loss and val_acc each "epoch"), one step every
// LIVE_INTERVAL_MS (default 250) for LIVE_STEPS steps (default 600), into demo/runs/live/.
//   npm run demo:live     then open demo/train_kd.py or "Model Lens: Show Training Curves"
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventFileWriter } from '../../src/core/logs/event-writer';

const steps = Number(process.env.LIVE_STEPS ?? 600);
const interval = Number(process.env.LIVE_INTERVAL_MS ?? 250);
const dir = resolve(process.argv[2] ?? join(__dirname, '..', '..', 'demo', 'runs', 'live'));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const file = join(dir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.model-lens`);
const writer = new EventFileWriter(file);
console.log(`writing ${file}: ${steps} steps, one every ${interval} ms (Ctrl+C stops)`);

// Seeded noise, so two runs draw the same curves.
let seed = 42;
const noise = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 2;

let step = 0;
const timer = setInterval(() => {
  const t = step / steps;
  const kd = 0.7 * (3.5 * Math.exp(-5 * t) + 0.25) * (1 + 0.15 * noise());
  const ce = 0.3 * (1.4 * Math.exp(-4 * t) + 0.1) * (1 + 0.15 * noise());
  writer.add(step * 10, { 'loss/total': kd + ce, 'loss/ce': ce, 'loss/kd': kd });
  if (step % 50 === 49) {
    const epoch = (step + 1) / 50 - 1;
    writer.add(epoch, {
      val_loss: 1.3 * Math.exp(-3 * t) + 0.15 + 0.03 * noise(),
      val_acc: Math.min(0.99, 0.25 + 0.72 * (1 - Math.exp(-4 * t)) + 0.02 * noise()),
    });
  }
  if (++step >= steps) {
    clearInterval(timer);
    console.log('done');
  }
}, interval);
