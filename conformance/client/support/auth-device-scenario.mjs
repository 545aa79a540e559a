// Device tracking with the real aws-amplify v6 client (pool configured through the
// `cfnUserPool.deviceConfiguration` escape hatch, devices remembered only on user prompt, email
// MFA on): NewDeviceMetadata → ConfirmDevice, fetchDevices, rememberDevice, sign-out then sign-in
// taking DEVICE_SRP_AUTH with the stored device key (a remembered device skips MFA, a
// not-remembered one does not), refresh with DeviceKey, forgetDevice. Run by ../auth-devices.test.mjs.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Amplify } from 'aws-amplify';
import {
  signUp, confirmSignUp, signIn, confirmSignIn, signOut, fetchAuthSession, updateMFAPreference,
  fetchDevices, rememberDevice, forgetDevice,
} from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';

// Node 20 has no `navigator`; the client needs one for ConfirmDevice's DeviceName (browsers and
// Node 21+ have it). appName is what every browser reports.
const USER_AGENT = 'Mozilla/5.0 (ampstack conformance) Node';
if (typeof globalThis.navigator === 'undefined') {
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent: USER_AGENT, appName: 'Netscape' }, configurable: true });
}
const deviceName = globalThis.navigator.userAgent;

const outputs = JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8'));
const local = outputs.custom.ampstack;
const { step, run } = createSteps();
const tag = crypto.randomBytes(4).toString('hex');
const password = 'Correct#Horse1';
const email = `dora.${tag}@example.com`;
const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

// Every user-pool call the client makes: operation, challenge name, and the answer's challenge.
const calls = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const target = new Headers(init.headers ?? {}).get('x-amz-target') ?? '';
  const res = await realFetch(input, init);
  if (target.startsWith('AWSCognitoIdentityProviderService.')) {
    const req = JSON.parse(init.body ?? '{}');
    const out = await res.clone().json().catch(() => ({}));
    calls.push({ op: target.split('.')[1], challenge: req.ChallengeName, next: out.ChallengeName, req, out });
  }
  return res;
};
const since = (n) => calls.slice(n);

async function latestCode(to) {
  const msgs = await (await realFetch(`${local.endpoint}/_ampstack/outbox?to=${encodeURIComponent(to)}`)).json();
  assert.ok(msgs.length > 0, `no message for ${to}`);
  return msgs[0].code;
}

async function cognito(op, body) {
  const res = await realFetch(local.user_pool_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), body: await res.json() };
}

const accessToken = async () => (await fetchAuthSession()).tokens.accessToken.toString();
let firstKey;

step('configure', () => { configureAmplify(Amplify, outputs); });

step('first sign-in returns NewDeviceMetadata and the client confirms the device', async () => {
  await signUp({ username: email, password, options: { userAttributes: { email } } });
  await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });
  const n = calls.length;
  assert.equal((await signIn({ username: email, password })).nextStep.signInStep, 'DONE');
  const verifier = since(n).find((c) => c.challenge === 'PASSWORD_VERIFIER');
  const meta = verifier.out.AuthenticationResult.NewDeviceMetadata;
  assert.match(meta.DeviceKey, /^us-east-1_[0-9a-f-]{36}$/);
  assert.ok(meta.DeviceGroupKey);
  const confirm = since(n).find((c) => c.op === 'ConfirmDevice');
  assert.ok(confirm, 'the client called ConfirmDevice');
  assert.equal(confirm.req.DeviceKey, meta.DeviceKey);
  assert.equal(confirm.req.DeviceName, deviceName);
  assert.deepEqual(confirm.out, { UserConfirmationNecessary: true });
  firstKey = meta.DeviceKey;
  assert.equal(decode(await accessToken()).device_key, firstKey);
});

step('fetchDevices lists the confirmed device, not remembered yet', async () => {
  const devices = await fetchDevices();
  assert.equal(devices.length, 1);
  const [d] = devices;
  assert.equal(d.id, firstKey);
  assert.equal(d.name, deviceName);
  assert.equal(d.attributes.device_status, 'not_remembered');
  for (const k of ['createDate', 'lastModifiedDate', 'lastAuthenticatedDate']) {
    assert.ok(d[k] instanceof Date && Math.abs(d[k] - Date.now()) < 120_000, `${k} is a recent date`);
  }
});

step('rememberDevice marks it remembered', async () => {
  await rememberDevice();
  const [d] = await fetchDevices();
  assert.equal(d.attributes.device_status, 'remembered');
  await updateMFAPreference({ email: 'PREFERRED' });
});

step('sign out, sign in again: DEVICE_SRP_AUTH with the stored key, MFA skipped on the remembered device', async () => {
  await signOut();
  const n = calls.length;
  const r = await signIn({ username: email, password });
  assert.equal(r.nextStep.signInStep, 'DONE');
  const flow = since(n).filter((c) => c.op === 'RespondToAuthChallenge');
  assert.deepEqual(flow.map((c) => [c.challenge, c.next ?? 'tokens']), [
    ['PASSWORD_VERIFIER', 'DEVICE_SRP_AUTH'],
    ['DEVICE_SRP_AUTH', 'DEVICE_PASSWORD_VERIFIER'],
    ['DEVICE_PASSWORD_VERIFIER', 'tokens'],
  ]);
  assert.equal(flow[0].req.ChallengeResponses.DEVICE_KEY, firstKey);
  assert.equal(flow[2].out.AuthenticationResult.NewDeviceMetadata, undefined);
  assert.ok(!since(n).some((c) => c.op === 'ConfirmDevice'));
  const access = decode(await accessToken());
  assert.equal(access.device_key, firstKey);
  assert.equal((await fetchDevices()).length, 1);
});

step('refresh sends the DeviceKey and keeps the device in the new tokens', async () => {
  const n = calls.length;
  const { tokens } = await fetchAuthSession({ forceRefresh: true });
  const refresh = since(n).find((c) => c.op === 'GetTokensFromRefreshToken');
  assert.equal(refresh.req.DeviceKey, firstKey);
  assert.equal(decode(tokens.accessToken.toString()).device_key, firstKey);
});

step('a device set back to not_remembered still does device SRP but no longer skips MFA', async () => {
  const r = await cognito('UpdateDeviceStatus', { AccessToken: await accessToken(), DeviceKey: firstKey, DeviceRememberedStatus: 'not_remembered' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await signOut();
  const n = calls.length;
  const step1 = await signIn({ username: email, password });
  assert.equal(step1.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const flow = since(n).filter((c) => c.op === 'RespondToAuthChallenge');
  assert.deepEqual(flow.map((c) => [c.challenge, c.next]), [
    ['PASSWORD_VERIFIER', 'DEVICE_SRP_AUTH'],
    ['DEVICE_SRP_AUTH', 'DEVICE_PASSWORD_VERIFIER'],
    ['DEVICE_PASSWORD_VERIFIER', 'EMAIL_OTP'],
  ]);
  assert.equal((await confirmSignIn({ challengeResponse: await latestCode(email) })).nextStep.signInStep, 'DONE');
  assert.equal(decode(await accessToken()).device_key, firstKey);
  const [d] = await fetchDevices();
  assert.equal(d.attributes.device_status, 'not_remembered');
});

step('device errors are Cognito errors', async () => {
  const at = await accessToken();
  let r = await cognito('UpdateDeviceStatus', { AccessToken: at, DeviceKey: firstKey, DeviceRememberedStatus: 'forever' });
  assert.equal(r.type, 'InvalidParameterException');
  r = await cognito('ConfirmDevice', { AccessToken: at, DeviceKey: 'us-east-1_00000000-0000-0000-0000-000000000000', DeviceSecretVerifierConfig: { Salt: 'AAEC', PasswordVerifier: 'AAEC' } });
  assert.equal(r.type, 'ResourceNotFoundException');
  assert.equal(r.body.message, 'Device does not exist.');
  r = await cognito('ConfirmDevice', { AccessToken: at, DeviceKey: firstKey, DeviceSecretVerifierConfig: { Salt: 'AAEC', PasswordVerifier: 'AAEC' } });
  assert.equal(r.type, 'InvalidParameterException', 'a confirmed device cannot be re-keyed');
  r = await cognito('GetDevice', { AccessToken: at, DeviceKey: firstKey });
  assert.equal(r.body.Device.DeviceKey, firstKey);
  r = await cognito('ListDevices', { AccessToken: at, Limit: 61 });
  assert.equal(r.type, 'InvalidParameterException');
  r = await cognito('ListDevices', { AccessToken: 'not-a-token' });
  assert.equal(r.type, 'NotAuthorizedException');
});

step('forgetDevice removes it; the next sign-in asks for MFA and gets a new device', async () => {
  await forgetDevice();
  assert.deepEqual(await fetchDevices(), []);
  const r = await cognito('GetDevice', { AccessToken: await accessToken(), DeviceKey: firstKey });
  assert.equal(r.type, 'ResourceNotFoundException');
  await signOut();
  const n = calls.length;
  const step1 = await signIn({ username: email, password });
  assert.equal(step1.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const verifier = since(n).find((c) => c.challenge === 'PASSWORD_VERIFIER');
  assert.equal(verifier.req.ChallengeResponses.DEVICE_KEY, undefined, 'forgetDevice cleared the stored key');
  assert.equal((await confirmSignIn({ challengeResponse: await latestCode(email) })).nextStep.signInStep, 'DONE');
  const mfa = since(n).find((c) => c.challenge === 'EMAIL_OTP');
  const newKey = mfa.out.AuthenticationResult.NewDeviceMetadata.DeviceKey;
  assert.notEqual(newKey, firstKey);
  const devices = await fetchDevices();
  assert.deepEqual(devices.map((d) => d.id), [newKey]);
  await signOut();
});

await run();
