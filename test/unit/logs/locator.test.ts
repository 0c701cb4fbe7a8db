import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { locateTags, matchTags, sourceNames, type SourceLanguage } from '../../../src/core/logs/locator';

/** Line (1-based, as an editor shows it) → tags, for the given logged tags. */
function lines(src: string, lang: SourceLanguage, tags: string[]): Record<number, string[]> {
  return Object.fromEntries([...matchTags(locateTags(src, lang), tags)].map(([l, t]) => [l + 1, t]));
}

test('Python: add_scalar on an aliased writer, f-string tags, prefixes, add_scalars', () => {
  const src = [
    'from torch.utils.tensorboard import SummaryWriter',
    'tb = SummaryWriter("runs/kd")',
    'for name, value in losses.items():',
    '    tb.add_scalar(f"loss/{name}", value, step)  # every term',
    'tb.add_scalar("acc/val", acc, step)',
    "tb.add_scalar('train/' + key, v, step)",
    'tb.add_scalars("lr", {"student": lr_s, "teacher": lr_t}, step)',
    '# tb.add_scalar("commented/out", 1, step)',
    's = "add_scalar(\\"in/a/string\\", 1)"',
  ].join('\n');
  assert.deepEqual(lines(src, 'python', ['loss/kd', 'loss/ce', 'acc/val', 'train/hint', 'student', 'teacher', 'commented/out', 'in/a/string', 'loss']), {
    4: ['loss/kd', 'loss/ce'],
    5: ['acc/val'],
    6: ['train/hint'],
    7: ['student', 'teacher'],
  });
});

test('Python: multi-line log_dict / wandb.log / json.dumps dicts decorate each key on its own line', () => {
  const src = [
    'self.log_dict({',
    '    "loss/ce": ce,',
    "    'loss/kd': kd,",
    '    f"loss/{self.hint_name}": hint,',
    '}, on_step=True)',
    'wandb.log({"total": total,',
    '           "lr": sched.get_last_lr()[0]})',
    'print(json.dumps({"step": step, "distill": {"fsp": fsp}}))',
    'wandb.log(dict(acc=acc, err=1 - acc), step=step)',
    'config = {"total": 3}  # not a logging call',
  ].join('\n');
  assert.deepEqual(lines(src, 'python', ['loss/ce', 'loss/kd', 'loss/at', 'total', 'lr', 'fsp', 'acc', 'err']), {
    2: ['loss/ce'],
    3: ['loss/kd'],
    4: ['loss/ce', 'loss/kd', 'loss/at'], // an f-string hole matches every loss/… tag: shown, not hidden
    6: ['total'],
    7: ['lr'],
    8: ['fsp'],
    9: ['acc', 'err'],
  });
});

test('Python: self.log, mlflow.log_metric, tf.summary.scalar, print f-strings, Keras history keys, Lightning suffixes', () => {
  const src = [
    'self.log("train_loss", loss, on_step=True, on_epoch=True)',
    'mlflow.log_metric("val_acc", acc, step=epoch)',
    'tf.summary.scalar("epoch_kd", kd, step=epoch)',
    'print(f"step {step}: kd_loss={kd:.3f} ce={ce.item():.3f}")',
    'plt.plot(history.history["loss"])',
    'plt.plot(history.history["val_loss"])',
    'logger.info(f"hint={hint}")',
  ].join('\n');
  assert.deepEqual(
    lines(src, 'python', ['train_loss_step', 'train_loss_epoch', 'val_acc', 'epoch_kd', 'kd_loss', 'ce', 'train/epoch_loss', 'validation/epoch_loss', 'hint']),
    {
      1: ['train_loss_step', 'train_loss_epoch'],
      2: ['val_acc'],
      3: ['epoch_kd'],
      4: ['kd_loss', 'ce'],
      5: ['train/epoch_loss'],
      6: ['validation/epoch_loss'],
      7: ['hint'],
    },
  );
  assert.deepEqual(sourceNames('validation/epoch_acc'), ['validation/epoch_acc', 'val_acc']);
});

test('Python: triple-quoted strings and comments hide calls; a tag logged twice decorates both lines', () => {
  const src = [
    '"""',
    'writer.add_scalar("doc", 1)',
    '"""',
    'writer.add_scalar("loss", a)',
    'if eval:',
    '    writer.add_scalar("loss", b)  # add_scalar("x")',
  ].join('\n');
  assert.deepEqual(lines(src, 'python', ['doc', 'loss', 'x']), { 4: ['loss'], 6: ['loss'] });
});

test('TypeScript/JavaScript: tfjs summary writer, template literals, object keys, Keras callback logs', () => {
  const src = [
    "const writer = tf.node.summaryFileWriter('/tmp/logs');",
    "writer.scalar('loss/total', total, step);",
    'writer.scalar(`loss/${term}`, value, step);',
    'await model.fit(xs, ys, { callbacks: { onEpochEnd: (epoch, logs) => console.log(logs.loss, logs?.val_acc) } });',
    'logger.log({',
    '  kd: kdLoss,',
    "  'loss/hint': hint, // FitNet",
    '});',
    '/* writer.scalar("hidden", 1, 0); */',
    'console.log(`step ${step} kd_loss=${kd.toFixed(3)}`);',
  ].join('\n');
  assert.deepEqual(lines(src, 'javascript', ['loss/total', 'loss/kd', 'loss', 'val_acc', 'kd', 'loss/hint', 'hidden', 'kd_loss']), {
    2: ['loss/total'],
    3: ['loss/total', 'loss/kd', 'loss/hint'],
    4: ['loss', 'val_acc'],
    6: ['kd'],
    7: ['loss/hint'],
    10: ['kd_loss'],
  });
});

test('the demo training script: every tag of its logs is found on the line that logs it', () => {
  const src = readFileSync('demo/train_kd.py', 'utf8');
  const found = lines(src, 'python', ['loss/total', 'loss/ce', 'loss/kd', 'val_loss', 'val_acc']);
  const text = src.split('\n');
  for (const [line, tags] of Object.entries(found))
    for (const t of tags) assert.ok(text[Number(line) - 1].includes(t), `line ${line}: ${text[Number(line) - 1]}`);
  assert.deepEqual([...new Set(Object.values(found).flat())].sort(), ['loss/ce', 'loss/kd', 'loss/total', 'val_acc', 'val_loss']);
  // The dict keys and the print line's f-string both log val_loss.
  assert.equal(Object.values(found).filter((t) => t.includes('val_loss')).length, 2);
});
