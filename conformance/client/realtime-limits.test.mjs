// Realtime limits (issue 5): connections per node, subscriptions per connection, idle timeout and
// keep-alive cadence, on the AppSync realtime protocol spoken directly with `ws` against a real
// `ampstack sandbox` started with small limits (AMPSTACK_REALTIME_* environment variables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import WebSocket from 'ws';
import { bin, startSandbox } from './support/sandbox.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(cond, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

if (!fs.existsSync(bin)) {
  test('realtime limits', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  test('realtime limits: connections per node, subscriptions per connection, idle timeout, keep-alive', { timeout: 120_000 }, async () => {
    const sandbox = await startSandbox({
      project: 'conformance/projects/realtime',
      env: { AMPSTACK_REALTIME_MAX_CONNECTIONS: '2', AMPSTACK_REALTIME_IDLE_MS: '1500', AMPSTACK_REALTIME_KEEPALIVE_MS: '300' },
    });
    const sockets = [];
    try {
      const outputs = JSON.parse(fs.readFileSync(sandbox.outputsPath, 'utf8'));
      const url = new URL(outputs.data.url);
      const realtime = `wss://${url.host}${url.pathname}/realtime`;
      const auth = { host: url.host, 'x-api-key': outputs.data.api_key };
      const header = Buffer.from(JSON.stringify(auth)).toString('base64url');
      const ca = fs.readFileSync(sandbox.caPath);
      const open = () => new Promise((resolve, reject) => {
        const ws = new WebSocket(realtime, ['graphql-ws', `header-${header}`], { ca });
        const c = { ws, inbox: [], closed: false };
        ws.on('message', (d) => c.inbox.push(JSON.parse(String(d))));
        ws.on('close', () => { c.closed = true; });
        ws.on('open', () => resolve(c));
        ws.on('error', reject);
        sockets.push(ws);
      });
      const next = async (c, type) => {
        await until(() => c.inbox.some((m) => m.type === type), type);
        return c.inbox.splice(c.inbox.findIndex((m) => m.type === type), 1)[0];
      };
      const init = async (c) => {
        c.ws.send(JSON.stringify({ type: 'connection_init' }));
        await until(() => c.inbox.some((m) => m.type === 'connection_ack' || m.type === 'connection_error'), 'ack or error');
        return c.inbox.find((m) => m.type === 'connection_ack' || m.type === 'connection_error');
      };

      // Two connections fit; the third is refused with a retryable LimitExceededError.
      const a = await open();
      assert.equal((await init(a)).type, 'connection_ack');
      const b = await open();
      assert.equal((await init(b)).type, 'connection_ack');
      const c = await open();
      const refused = await init(c);
      assert.equal(refused.type, 'connection_error');
      assert.equal(refused.payload.errors[0].errorType, 'LimitExceededError');
      await until(() => c.closed, 'the refused connection to close');

      // At most 100 subscriptions on one connection.
      const start = (id) => a.ws.send(JSON.stringify({
        id, type: 'start',
        payload: { data: JSON.stringify({ query: 'subscription { onCreateMessage { id } }', variables: {} }), extensions: { authorization: auth } },
      }));
      for (let i = 0; i < 100; i++) start(`s${i}`);
      await until(() => a.inbox.filter((m) => m.type === 'start_ack').length === 100, '100 start_acks', 30_000);
      start('s100');
      const over = await next(a, 'error');
      assert.equal(over.id, 's100');
      assert.equal(over.payload.errors[0].errorType, 'MaxSubscriptionsReachedError');

      // Keep-alives at the configured cadence; a connection with no subscription is closed once
      // idle, one with subscriptions stays open.
      const kaBefore = a.inbox.filter((m) => m.type === 'ka').length;
      await sleep(2_500);
      assert.ok(a.inbox.filter((m) => m.type === 'ka').length - kaBefore >= 4, 'ka about every 300 ms');
      assert.equal(b.closed, true, 'the idle connection was closed');
      assert.equal(a.closed, false, 'the subscribed connection stays open');

      // With b gone there is room again.
      const d = await open();
      assert.equal((await init(d)).type, 'connection_ack');
    } finally {
      for (const ws of sockets) ws.terminate();
      await sandbox.stop();
      fs.rmSync(sandbox.dir, { recursive: true, force: true });
    }
  });
}
