import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DEFAULT_SPRAY_SETTINGS, parseFromSprayWebview, spraySettingsProblems, type SpraySettings } from '../../../src/webviews/spray/protocol';

const good: SpraySettings = { ...DEFAULT_SPRAY_SETTINGS, classArg: 'square' };

test('the SpRAy panel settings: one sentence per problem, none for the defaults', () => {
  assert.deepEqual(spraySettingsProblems(good), []);
  assert.deepEqual(
    spraySettingsProblems({ ...good, classArg: ' ', method: 'nope', grid: 1, neighbours: 0, clusters: -1, embedding: 'pca' as never, seed: 1.5 }),
    [
      'Choose a class.',
      'Choose a method.',
      'Grid: a whole number from 2 to 256.',
      'Neighbours: a whole number from 1 to 1000.',
      'Clusters: 0 (the eigengap chooses) or a whole number up to 100.',
      'The embedding is UMAP or t-SNE.',
      'Seed: a whole number ≥ 0.',
    ],
  );
});

test('messages from the SpRAy panel are validated: bad settings, unknown types and non-string paths are dropped; extra fields are not passed on', () => {
  assert.deepEqual(parseFromSprayWebview({ type: 'run' }), { type: 'run' });
  assert.deepEqual(parseFromSprayWebview({ type: 'settings', settings: { ...good, extra: 'x' } }), { type: 'settings', settings: good });
  assert.equal(parseFromSprayWebview({ type: 'settings', settings: { ...good, grid: 1e9 } }), undefined);
  assert.equal(parseFromSprayWebview({ type: 'settings' }), undefined);
  assert.deepEqual(parseFromSprayWebview({ type: 'openImage', image: '/w/images/a.png' }), { type: 'openImage', image: '/w/images/a.png' });
  assert.equal(parseFromSprayWebview({ type: 'openImage', image: 42 }), undefined);
  assert.equal(parseFromSprayWebview({ type: 'exec', command: 'rm' }), undefined);
  assert.equal(parseFromSprayWebview('run'), undefined);
});
