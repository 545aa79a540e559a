// What the phone/username/CLI auth scenarios share: the outbox, fresh phone numbers, TOTP codes
// and the `ampstack users` command line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import * as OTPAuth from 'otpauth';

export const outputs = JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8'));
export const local = outputs.custom.ampstack;
export const tag = crypto.randomBytes(4).toString('hex');
export const password = 'Correct#Horse1';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Messages the sandbox "sent" to `to`, newest first. */
export async function outbox(to) {
  const res = await fetch(`${local.endpoint}/_ampstack/outbox?to=${encodeURIComponent(to)}`);
  assert.equal(res.status, 200);
  return res.json();
}

/** The code in the newest message to `to`. */
export async function latestCode(to) {
  const msgs = await outbox(to);
  assert.ok(msgs.length > 0, `no message for ${to}`);
  assert.match(msgs[0].code, /^\d{6}$/);
  return msgs[0].code;
}

/** A number nobody else in this run has: +1 555 then 7 random digits. */
export function newPhone() {
  return `+1555${crypto.randomInt(0, 10_000_000).toString().padStart(7, '0')}`;
}

/** Cognito's masking of a phone number: `+*******0100`. */
export const maskedPhone = (p) => `+${'*'.repeat(p.length - 5)}${p.slice(-4)}`;

/** A six-digit code that is not `code`. */
export const wrongCode = (code) => (code === '000000' ? '111111' : '000000');

/** A TOTP code for `secret`, `offset` 30-second steps from now. */
export const totp = (secret, offset = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' })
    .generate({ timestamp: Date.now() + offset * 30_000 });

/** Runs `ampstack users SUBCOMMAND --dir DIR ...args` on the sandbox's project; returns {status, stdout, stderr}. */
export function users(subcommand, ...args) {
  return spawnSync(process.env.AMPSTACK_BIN, ['users', subcommand, '--dir', process.env.AMPSTACK_DIR, ...args], {
    encoding: 'utf8',
    env: process.env,
  });
}

/** `users(...)` that must succeed; returns its stdout. */
export function usersOk(subcommand, ...args) {
  const r = users(subcommand, ...args);
  assert.equal(r.status, 0, `ampstack users ${subcommand} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
