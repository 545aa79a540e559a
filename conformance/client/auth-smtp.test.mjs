// Code delivery by SMTP (issue 3): a real SMTP server (Python aiosmtpd) receives the sign-up code
// that the real aws-amplify client then confirms with; nothing goes to the outbox. In production
// mode (AMPSTACK_MODE=production) without SMTP the outbox is off and delivery fails with
// CodeDeliveryFailureException. SQLite and — when AMPSTACK_TEST_DATABASE_URL is set — PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const python = process.env.PYTHON ?? 'python3';
const hasAiosmtpd = spawnSync(python, ['-c', 'import aiosmtpd']).status === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the SMTP sink; returns { port, messages(), stop() }. */
async function startSmtp() {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-smtp-')), 'mail.jsonl');
  const child = spawn(python, [path.join(here, 'support/smtp_sink.py'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = /PORT (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    child.once('exit', (c) => reject(new Error(`smtp sink exited ${c}`)));
  });
  const messages = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  return { port, messages, stop: () => child.kill('SIGTERM') };
}

/** Runs support/auth-smtp-client.mjs (the real aws-amplify client) against `sandbox`. */
function client(sandbox) {
  return (...args) => {
    const r = spawnSync(process.execPath, [path.join(here, 'support/auth-smtp-client.mjs'), ...args], {
      encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: sandbox.caPath, AMPSTACK_OUTPUTS: sandbox.outputsPath },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  };
}

if (!fs.existsSync(bin) || !hasAiosmtpd) {
  test('SMTP delivery', { skip: !hasAiosmtpd ? 'aiosmtpd is not installed (scripts/test installs it)' : `no binary at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`auth: codes by SMTP, production mode without outbox (${engine.name})`, { timeout: 180_000 }, async (t) => {
      const smtp = await startSmtp();
      const sandbox = await startSandbox({
        databaseUrl: engine.url,
        env: { AMPSTACK_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, AMPSTACK_SMTP_FROM: 'Todo App <no-reply@todo.example>' },
      });
      const email = `smtp.${Date.now()}@example.com`;
      try {
        await t.test('sign-up code arrives by SMTP and confirms the account', async () => {
          const run = client(sandbox);
          const next = run('signUp', email);
          assert.equal(next.signUpStep, 'CONFIRM_SIGN_UP');
          let mail;
          for (let i = 0; i < 100 && !mail; i++) {
            mail = smtp.messages().find((m) => m.to.includes(email));
            if (!mail) await sleep(50);
          }
          assert.ok(mail, 'a message reached the SMTP server');
          assert.equal(mail.from, 'no-reply@todo.example');
          const code = /(\d{6})/.exec(mail.body)[1];
          const outbox = await (await fetch(`${sandbox.httpEndpoint}/_ampstack/outbox?to=${encodeURIComponent(email)}`)).json();
          assert.deepEqual(outbox, [], 'nothing went to the outbox');
          assert.deepEqual(run('confirmAndSignIn', email, code), { signedIn: true, email, verified: true });
        });
      } finally {
        await sandbox.stop();
        smtp.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
      const prod = await startSandbox({ databaseUrl: engine.url, env: { AMPSTACK_MODE: 'production', AMPSTACK_SMTP_URL: '' } });
      try {
        await t.test('production mode without SMTP: no outbox, delivery fails', async () => {
          const res = await fetch(`${prod.httpEndpoint}/_ampstack/outbox?to=x@example.com`);
          assert.equal(res.status, 404);
          const r = client(prod)('signUp', `prod.${Date.now()}@example.com`);
          assert.equal(r.error, 'CodeDeliveryFailureException');
        });
      } finally {
        await prod.stop();
        fs.rmSync(prod.dir, { recursive: true, force: true });
      }
    });
  }
}
