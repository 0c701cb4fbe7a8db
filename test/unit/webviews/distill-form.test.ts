import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDistillSettings, parseFromDistillWebview, settingsProblems, type DistillSettings } from '../../../src/webviews/distill/protocol';

/** The form's own defaults: a new form starts valid. */
const good: DistillSettings = defaultDistillSettings();

test('the form settings: one sentence per problem, none for good settings', () => {
  assert.deepEqual(settingsProblems(good), []);
  assert.deepEqual(settingsProblems({ ...good, epochs: 0 }), ['Epochs: a whole number from 1 to 10000.']);
  assert.deepEqual(settingsProblems({ ...good, loss: {} }), ['Choose at least one loss term.']);
  assert.deepEqual(settingsProblems({ ...good, loss: { hsakd: 1, ce: 1 } }), ['HSAKD is a whole loss: use it alone.']);
  assert.deepEqual(settingsProblems({ ...good, loss: { ce: -1 } }), ['The weight of ce must be a number ≥ 0.']);
  assert.deepEqual(settingsProblems({ ...good, duty: 1 }), ['The ASDT duty cycle must be between 0 and 1.']);
  assert.deepEqual(settingsProblems({ ...good, runName: '../x' }), ['The run name: letters, digits, ".", "-" and "_" only.']);
});

test('messages from the distillation form are validated: a start with bad settings, an unknown pick or a path is dropped', () => {
  assert.deepEqual(parseFromDistillWebview({ type: 'start', settings: good }), { type: 'start', settings: good });
  assert.equal(parseFromDistillWebview({ type: 'start', settings: { ...good, loss: { nope: 1 } } }), undefined);
  assert.equal(parseFromDistillWebview({ type: 'start', settings: { ...good, batchSize: 1.5 } }), undefined);
  assert.deepEqual(parseFromDistillWebview({ type: 'pick', what: 'data' }), { type: 'pick', what: 'data' });
  assert.equal(parseFromDistillWebview({ type: 'pick', what: '/etc' }), undefined);
  assert.equal(parseFromDistillWebview({ type: 'clear', what: 'teacher' }), undefined);
  assert.equal(parseFromDistillWebview({ type: 'bogus' }), undefined);
});
