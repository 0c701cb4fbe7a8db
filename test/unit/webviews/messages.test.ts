import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { dispatch, type MessageHandlers } from '../../../src/webviews/shared/messages';

type Msg = { type: 'a'; n: number } | { type: 'b'; s: string };

test('dispatch calls the handler of the message type with that message, and returns what it returns', async () => {
  const seen: string[] = [];
  const handlers: MessageHandlers<Msg> = {
    a: (m) => void seen.push(`a ${m.n + 1}`),
    b: async (m) => void seen.push(`b ${m.s.toUpperCase()}`),
  };
  dispatch(handlers, { type: 'a', n: 1 });
  await dispatch(handlers, { type: 'b', s: 'x' });
  assert.deepEqual(seen, ['a 2', 'b X']);
});

test('a handler table missing a message type does not type-check', () => {
  // @ts-expect-error: the handler of 'b' is missing (npm run typecheck fails if this compiles).
  const incomplete: MessageHandlers<Msg> = { a: () => undefined };
  assert.equal(typeof incomplete.a, 'function');
});
