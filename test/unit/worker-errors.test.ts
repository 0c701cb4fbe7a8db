import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { InputError } from '../../src/core/errors';
import { ourError } from '../../src/worker/errors';

test("a job's error is one sentence of ours; the library's text is only the detail the host logs", () => {
  const withCause = new InputError('/m/model.json: the model cannot be built from its configuration: TensorFlow.js refused it (--verbose shows its message)');
  (withCause as Error & { cause?: unknown }).cause = new Error('Unknown layer: Foo. This may be due to one of the following reasons:\n1. …');
  assert.deepEqual(ourError(withCause, 'explain'), {
    name: 'InputError',
    message: withCause.message,
    detail: 'Unknown layer: Foo. This may be due to one of the following reasons:\n1. …',
  });
  const leak = new TypeError('There are some read requests waitng on finished stream');
  const r = ourError(leak, 'explain');
  assert.equal(r.message, 'The explain job failed inside Model Lens or TensorFlow.js (TypeError); the Model Lens output channel has the details.');
  assert.ok(!r.message.includes('waitng'));
  assert.ok(r.detail?.startsWith('There are some read requests waitng on finished stream'));
  assert.deepEqual(ourError(new InputError('a.png: not a PNG or JPEG image\nsecond line'), 'explain'), {
    name: 'InputError',
    message: 'a.png: not a PNG or JPEG image',
  });
});
