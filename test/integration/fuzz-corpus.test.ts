import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/core/engine/backend';
import { clearModelCache } from '../../src/core/model/load';
import { cli } from '../helpers/cli';
import { subsetDifference, type CaseFile } from '../../fuzz/lib/corpus';

/**
 * The regression corpus (test/fixtures/fuzz, written by `npm run fuzz:corpus`): every input that
 * ever failed, run through the CLI in this one process, with its exact exit code and message.
 */
const repo = path.resolve(__dirname, '..', '..');
const root = path.join(repo, 'test', 'fixtures', 'fuzz');
const cases = ['examples', 'found'].flatMap((kind) => fs.readdirSync(path.join(root, kind)).map((name) => path.join(root, kind, name)));

/** Every field of `want` is in `actual` with the same value (arrays element by element). */
function assertSubset(actual: unknown, want: unknown): void {
  const d = subsetDifference(actual, want);
  assert.equal(d, undefined, d);
}

test.before(async () => {
  await initEngine({ backend: 'wasm' });
});
test.afterEach(() => clearModelCache());

test("the corpus holds the issue's examples and the cases fuzzing found", () => {
  assert.ok(cases.length >= 50, `${cases.length} cases`);
});

for (const dir of cases) {
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) as CaseFile;
  test(`corpus ${path.relative(root, dir)}: ${c.why}`, async () => {
    // A copy (symlinks to demo files resolved), so that set-up files stay out of the repository.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-corpus-'));
    try {
      fs.cpSync(dir, work, { recursive: true, dereference: true });
      for (const step of c.setup ?? []) {
        const [kind, a, b] = step.split(' ');
        if (kind === 'fifo') execFileSync('mkfifo', [path.join(work, a)]);
        else fs.symlinkSync(a, path.join(work, b));
      }
      const fill = (s: string): string => s.split('{case}').join(work).split('{repo}').join(repo);
      const r = await cli(...c.argv.map(fill));
      assert.equal(r.err, fill(c.stderr));
      assert.equal(r.code, c.code);
      if (c.stdoutJson !== undefined) assertSubset(JSON.parse(r.out), c.stdoutJson);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}
