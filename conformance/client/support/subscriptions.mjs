// Shared by the scenarios that subscribe through the real client: waiting for a condition, and
// telling an acknowledged subscription (AppSync's start_ack, seen as the client's
// 'Subscription ack' Hub event) from a refused one.
import assert from 'node:assert/strict';
import { Hub } from 'aws-amplify/utils';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let ackCount = 0;
Hub.listen('api', ({ payload }) => { if (payload.event === 'Subscription ack') ackCount += 1; });
/** How many subscriptions the server has acknowledged so far. */
export const acks = () => ackCount;

/** Polls `cond` until it holds (fails after `ms`). */
export async function until(cond, what, ms = 20_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Subscribes, collecting values; resolves once the server acknowledged the subscription. */
export async function collect(observable) {
  const before = ackCount;
  const c = { items: [], errors: [] };
  c.sub = observable.subscribe({ next: (v) => c.items.push(v), error: (e) => c.errors.push(e) });
  await until(() => ackCount > before || c.errors.length > 0, 'start_ack');
  assert.deepEqual(c.errors, []);
  return c;
}

/** Subscribes expecting a refusal (no start_ack); returns the error. */
export async function refused(observable, what) {
  const before = ackCount;
  const got = [];
  const sub = observable.subscribe({ next: (v) => got.push({ unexpected: v }), error: (e) => got.push(e) });
  await until(() => got.length > 0, what);
  assert.equal(ackCount, before, `no start_ack: ${what}`);
  sub.unsubscribe();
  return got[0];
}
