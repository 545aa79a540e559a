// Sign-in throughput of the auth service, with a peer emulator measured in the same run.
//
//   node bench/auth_signin.mjs [seconds=10] [concurrency=8]
//   AMPSTACK_BENCH_DATABASE_URL=postgres://… node bench/auth_signin.mjs   (PostgreSQL store)
//
// ampstack (release build, `ampstack sandbox` on a copy of examples/todo, plain HTTP on its port):
//   - full SRP sign-ins per second: InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge
//     PASSWORD_VERIFIER, verified server side (3 modular exponentiations on the 3072-bit group,
//     RS256 access + id tokens, a session with refresh token written to the store);
//   - USER_PASSWORD_AUTH sign-ins per second (Argon2id 19 MiB / t=2 per attempt, then tokens).
// peer: cognito-local 5.3.0 (npm), USER_PASSWORD_AUTH only — it implements no SRP and compares
//   plaintext passwords, so its number is an upper bound for an emulator with no password hashing.
// The client side of SRP uses OpenSSL through node:crypto (Diffie-Hellman = modular
// exponentiation), so the load generator is not the bottleneck.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 8);
const bin = process.env.AMPSTACK_BIN ?? path.join(root, 'target/release/ampstack');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const password = 'Bench#Passw0rd';

// ----- SRP client (the aws-amplify client's math, native exponentiation) -----------------------
const N_HEX = 'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';
const N = BigInt(`0x${N_HEX}`);
const pad = (n) => { let h = n.toString(16); if (h.length % 2) h = `0${h}`; if (/^[89a-f]/.test(h)) h = `00${h}`; return h; };
const toBuf = (n) => { let h = n.toString(16); if (h.length % 2) h = `0${h}`; return Buffer.from(h, 'hex'); };
const H = (buf) => crypto.createHash('sha256').update(buf).digest();
const hHexInt = (hex) => BigInt(`0x${H(Buffer.from(hex, 'hex')).toString('hex')}`);
const k = hHexInt(pad(N) + pad(2n));
// One DH object (creating one checks the prime, which is slow); calls are synchronous.
const dh = crypto.createDiffieHellman(Buffer.from(N_HEX, 'hex'), Buffer.from([2]));
function modpow(base, exp) {
  dh.setPrivateKey(toBuf(exp));
  return BigInt(`0x${dh.computeSecret(toBuf(base)).toString('hex')}`);
}
function now() {
  const d = new Date();
  const p2 = (n) => String(n).padStart(2, '0');
  const W = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const M = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${W} ${M} ${d.getUTCDate()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

async function call(endpoint, target, body) {
  const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body: JSON.stringify(body) });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${target}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
const idp = (endpoint, op, body) => call(endpoint, `AWSCognitoIdentityProviderService.${op}`, body);

// Per-user client state reused across sign-ins (a, A, g^x): the load generator shares the 2 cores
// with the server, so it does only the one exponentiation that depends on the server's fresh B.
const clientState = new Map();

async function srpSignIn(endpoint, poolId, clientId, username) {
  const poolName = poolId.split('_')[1];
  if (!clientState.has(username)) {
    const a0 = BigInt(`0x${crypto.randomBytes(128).toString('hex')}`);
    clientState.set(username, { a: a0, A: modpow(2n, a0), gx: null });
  }
  const st = clientState.get(username);
  const { a, A } = st;
  const init = await idp(endpoint, 'InitiateAuth', { ClientId: clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: username, SRP_A: A.toString(16) } });
  const p = init.ChallengeParameters;
  const B = BigInt(`0x${p.SRP_B}`);
  const u = hHexInt(pad(A) + pad(B));
  const userId = p.USER_ID_FOR_SRP;
  const x = hHexInt(pad(BigInt(`0x${p.SALT}`)) + H(Buffer.from(`${poolName}${userId}:${password}`)).toString('hex'));
  st.gx ??= modpow(2n, x);
  const base = (((B - k * st.gx) % N) + N) % N;
  const S = modpow(base, a + u * x);
  const prk = crypto.createHmac('sha256', Buffer.from(pad(u), 'hex')).update(Buffer.from(pad(S), 'hex')).digest();
  const key = crypto.createHmac('sha256', prk).update(Buffer.concat([Buffer.from('Caldera Derived Key'), Buffer.from([1])])).digest().subarray(0, 16);
  const timestamp = now();
  const sig = crypto.createHmac('sha256', key).update(Buffer.concat([Buffer.from(poolName), Buffer.from(userId), Buffer.from(p.SECRET_BLOCK, 'base64'), Buffer.from(timestamp)])).digest('base64');
  const done = await idp(endpoint, 'RespondToAuthChallenge', {
    ClientId: clientId, ChallengeName: 'PASSWORD_VERIFIER', Session: init.Session,
    ChallengeResponses: { USERNAME: userId, PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK, TIMESTAMP: timestamp, PASSWORD_CLAIM_SIGNATURE: sig },
  });
  if (!done.AuthenticationResult?.AccessToken) throw new Error('no tokens');
}

async function passwordSignIn(endpoint, clientId, username) {
  const r = await idp(endpoint, 'InitiateAuth', { ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } });
  if (!r.AuthenticationResult?.AccessToken) throw new Error('no tokens');
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Runs `fn(worker)` from `concurrency` workers for `seconds`; returns sign-ins per second and
 *  the server's CPU milliseconds per sign-in. */
async function throughput(fn, pid) {
  await Promise.all(Array.from({ length: concurrency }, (_, w) => fn(w))); // warm-up
  let count = 0;
  const end = Date.now() + seconds * 1000;
  const t0 = Date.now();
  const cpu0 = cpuSeconds(pid);
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    while (Date.now() < end) {
      await fn(w);
      count += 1;
    }
  }));
  return { rate: count / ((Date.now() - t0) / 1000), cpuMs: ((cpuSeconds(pid) - cpu0) * 1000) / count };
}

function freePort() {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}

async function waitPort(port) {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.end(); r(true); }); s.on('error', () => r(false)); });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`port ${port} never opened`);
}

async function benchAmpstack() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-bench-auth-'));
  fs.cpSync(path.join(root, 'examples/todo/amplify'), path.join(dir, 'amplify'), { recursive: true });
  const port = await freePort();
  const db = process.env.AMPSTACK_BENCH_DATABASE_URL ? ['--database-url', process.env.AMPSTACK_BENCH_DATABASE_URL] : [];
  const child = spawn(bin, ['sandbox', '--dir', dir, '--port', String(port), ...db], { stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    const outputsPath = path.join(dir, 'amplify_outputs.json');
    while (!fs.existsSync(outputsPath)) await sleep(20);
    const outputs = JSON.parse(fs.readFileSync(outputsPath, 'utf8'));
    const endpoint = `http://127.0.0.1:${port}/cognito-idp/`;
    const { user_pool_id: poolId, user_pool_client_id: clientId } = outputs.auth;
    const users = [];
    for (let w = 0; w < concurrency; w++) {
      const email = `bench${w}@example.com`;
      await idp(endpoint, 'SignUp', { ClientId: clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] });
      const [msg] = await (await fetch(`http://127.0.0.1:${port}/_ampstack/outbox?to=${email}`)).json();
      await idp(endpoint, 'ConfirmSignUp', { ClientId: clientId, Username: email, ConfirmationCode: msg.code });
      users.push(email);
    }
    const srp = await throughput((w) => srpSignIn(endpoint, poolId, clientId, users[w]), child.pid);
    const pw = await throughput((w) => passwordSignIn(endpoint, clientId, users[w]), child.pid);
    return { srp, pw };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function benchCognitoLocal() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-local-bench-'));
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(here, 'node_modules/cognito-local/lib/bin/start.js')], {
    cwd: dir, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'ignore'],
  });
  try {
    await waitPort(port);
    const endpoint = `http://127.0.0.1:${port}/`;
    const pool = (await idp(endpoint, 'CreateUserPool', { PoolName: 'bench' })).UserPool;
    const client = (await idp(endpoint, 'CreateUserPoolClient', { UserPoolId: pool.Id, ClientName: 'bench' })).UserPoolClient;
    const users = [];
    for (let w = 0; w < concurrency; w++) {
      const username = `bench${w}@example.com`;
      await idp(endpoint, 'AdminCreateUser', { UserPoolId: pool.Id, Username: username, TemporaryPassword: password, MessageAction: 'SUPPRESS' });
      await idp(endpoint, 'AdminSetUserPassword', { UserPoolId: pool.Id, Username: username, Password: password, Permanent: true });
      users.push(username);
    }
    return { pw: await throughput((w) => passwordSignIn(endpoint, client.ClientId, users[w]), child.pid) };
  } finally {
    child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ours = await benchAmpstack();
const peer = await benchCognitoLocal();
console.log(`${seconds} s per measurement, ${concurrency} concurrent clients, loopback HTTP, store: ${process.env.AMPSTACK_BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`);
const row = (what, r) => console.log(`| ${what} | ${r.rate.toFixed(0)} | ${r.cpuMs.toFixed(1)} |`);
console.log('| what | sign-ins/s | server CPU ms per sign-in |');
console.log('|---|---|---|');
row('**ampstack, full SRP (USER_SRP_AUTH + PASSWORD_VERIFIER)**', ours.srp);
row('**ampstack, USER_PASSWORD_AUTH (Argon2id)**', ours.pw);
console.log('| peer: cognito-local 5.3.0, full SRP | not supported | |');
row('peer: cognito-local 5.3.0, USER_PASSWORD_AUTH (plaintext compare)', peer.pw);
