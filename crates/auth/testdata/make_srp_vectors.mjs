// Produces srp_vectors.json with the aws-amplify client's own SRP code (@aws-amplify/auth 6.x,
// installed in conformance/node_modules). The Rust unit tests in src/srp_tests.rs check the
// server's SRP against these values. Regenerate with:
//
//   node crates/auth/testdata/make_srp_vectors.mjs > crates/auth/testdata/srp_vectors.json
import crypto from 'node:crypto';
import path from 'node:path';
import url from 'node:url';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const srp = path.resolve(here, '../../../conformance/node_modules/@aws-amplify/auth/dist/esm/providers/cognito/utils/srp');
const load = async (rel) => import(url.pathToFileURL(path.join(srp, rel)).href);

const { default: BigInteger } = await load('BigInteger/BigInteger.mjs');
const { default: AuthenticationHelper } = await load('AuthenticationHelper/AuthenticationHelper.mjs');
const { calculateA } = await load('calculate/calculateA.mjs');
const { INIT_N } = await load('constants.mjs');
const { getSignatureString } = await load('getSignatureString.mjs');
const { getPaddedHex } = await load('getPaddedHex.mjs');
const { getHashFromHex } = await load('getHashFromHex.mjs');
const { getHashFromData } = await load('getHashFromData.mjs');

const N = new BigInteger(INIT_N, 16);
const g = new BigInteger('2', 16);
const modPow = (base, e) => new Promise((res, rej) => base.modPow(e, N, (err, r) => (err ? rej(err) : res(r))));
const hex = (n) => crypto.randomBytes(n).toString('hex');

const cases = [
  { pool: 'AbCdEfGhI', userId: '5f1c2a8e-3b4d-4e6f-8a9b-0c1d2e3f4a5b', password: 'Passw0rd!' },
  { pool: 'Zx9', userId: 'alice', password: 'pässwörd-ünïcode-🔑' },
  { pool: 'Pool_With_Long_Name', userId: 'bob@example.com', password: 'a' },
  { pool: 'Q1w2E3r4T', userId: 'c0ffee00-0000-4000-8000-000000000000', password: 'Str0ng#Password' },
];
const out = { users: [], devices: [] };
for (const c of cases) {
  const salt = new BigInteger(hex(16), 16);
  const a = new BigInteger(hex(128), 16);
  const b = new BigInteger(hex(64), 16);
  const x = new BigInteger(getHashFromHex(getPaddedHex(salt) + getHashFromData(`${c.pool}${c.userId}:${c.password}`)), 16);
  const v = await modPow(g, x);
  const helper = new AuthenticationHelper({ userPoolName: c.pool, a, g, A: await calculateA({ a, g, N }), N });
  const B = helper.k.multiply(v).add(await modPow(g, b)).mod(N);
  const hkdf = await helper.getPasswordAuthenticationKey({ username: c.userId, password: c.password, serverBValue: B, salt });
  const secretBlock = crypto.randomBytes(48).toString('base64');
  const timestamp = 'Tue Nov 3 07:08:26 UTC 2026';
  const signature = getSignatureString({ userPoolName: c.pool, username: c.userId, challengeParameters: { SECRET_BLOCK: secretBlock }, dateNow: timestamp, hkdf });
  out.users.push({
    ...c,
    salt: getPaddedHex(salt), a: a.toString(16), b: b.toString(16),
    k: helper.k.toString(16), verifier: getPaddedHex(v), A: helper.A.toString(16), B: B.toString(16),
    key: Buffer.from(hkdf).toString('hex'), secretBlock, timestamp, signature,
  });
}
for (let i = 0; i < 2; i++) {
  const a = new BigInteger(hex(128), 16);
  const helper = new AuthenticationHelper({ userPoolName: 'unused', a, g, A: await calculateA({ a, g, N }), N });
  const deviceGroupKey = `-${hex(4)}`;
  const deviceKey = `us-east-1_${crypto.randomUUID()}`;
  await helper.generateHashDevice(deviceGroupKey, deviceKey);
  out.devices.push({
    deviceGroupKey, deviceKey, password: helper.getRandomPassword(),
    salt: Buffer.from(helper.getSaltToHashDevices(), 'hex').toString('base64'),
    verifier: Buffer.from(helper.getVerifierDevices(), 'hex').toString('base64'),
  });
}
console.log(JSON.stringify(out, null, 2));
