import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { pairMethodSpec } from '../../../src/core/explain/pair/specs';
import type { PairResultMessage } from '../../../src/protocol/worker';
import { colorbarLabels, spec, titled, trialsNote } from '../../../src/webviews/pair/app/labels';

const result = (over: Partial<PairResultMessage>): PairResultMessage => ({ method: 'pairwise', signed: true, params: {}, ...over }) as PairResultMessage;

test('the colour bar says what the sign means, per method; unsigned maps read low to high', () => {
  assert.deepEqual(colorbarLabels(result({ signed: false })), ['low', 'high']);
  assert.deepEqual(colorbarLabels(result({ method: 'context-agnostic' })), ['− (the patch points away from the other view)', '0', '+ (towards it)']);
  assert.deepEqual(colorbarLabels(result({ method: 'conditional' })), ['− (raises similarity when hidden)', '0', '+ (lowers it)']);
});

test('pairwise occlusion notes how many trials carry the weight, and warns when nearly all do', () => {
  assert.equal(trialsNote(result({ params: { trials: 100, effectiveTrials: 40.4 } })), ' · 40 of 100 trials effective');
  assert.equal(
    trialsNote(result({ params: { trials: 100, effectiveTrials: 95 } })),
    ' · 95 of 100 trials effective (nearly uniform weights: the map is mostly where erasures fell; try a lower temperature)',
  );
  assert.equal(trialsNote(result({ method: 'conditional', params: { trials: 100, effectiveTrials: 95 } })), '', 'other methods have no trials');
  assert.equal(trialsNote(result({ params: {} })), '');
});

test('spec and titled: a method name gives its spec (else undefined); titles become picker entries in order', () => {
  assert.equal(spec('interaction-cam'), pairMethodSpec('interaction-cam'));
  assert.equal(spec('nope'), undefined);
  assert.deepEqual(titled({ a: 'Alpha', b: 'Beta' }), [
    ['a', 'Alpha'],
    ['b', 'Beta'],
  ]);
});
