// MFA with the real aws-amplify v6 client: TOTP set-up and sign-in (codes from the otpauth npm
// library), email OTP as MFA, MFA selection, USER_AUTH passwordless email OTP, and — after a hot
// reload to `mode: 'REQUIRED'` — MFA_SETUP during sign-in. Run by ../auth.test.mjs.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as OTPAuth from 'otpauth';
import { Amplify } from 'aws-amplify';
import {
  signUp, confirmSignUp, signIn, confirmSignIn, signOut, setUpTOTP, verifyTOTPSetup, updateMFAPreference,
  fetchMFAPreference, fetchAuthSession, autoSignIn, fetchDevices,
} from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';

const outputsPath = process.env.AMPSTACK_OUTPUTS;
const outputs = JSON.parse(fs.readFileSync(outputsPath, 'utf8'));
const local = outputs.custom.ampstack;
const { step, run } = createSteps();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tag = crypto.randomBytes(4).toString('hex');
const password = 'Correct#Horse1';

async function latestCode(to) {
  const msgs = await (await fetch(`${local.endpoint}/_ampstack/outbox?to=${encodeURIComponent(to)}`)).json();
  assert.ok(msgs.length > 0, `no message for ${to}`);
  return msgs[0].code;
}

async function newUser(name) {
  const email = `${name}.${tag}@example.com`;
  await signUp({ username: email, password, options: { userAttributes: { email } } });
  await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });
  return email;
}

/** A TOTP code for `secret`, `offset` steps from now (each code is accepted once). */
const totp = (secret, offset = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' })
    .generate({ timestamp: Date.now() + offset * 30_000 });

let email;
let secret;

step('configure', () => { configureAmplify(Amplify, outputs); });

step('setUpTOTP, verifyTOTPSetup, updateMFAPreference', async () => {
  email = await newUser('totp');
  assert.equal((await signIn({ username: email, password })).nextStep.signInStep, 'DONE');
  const details = await setUpTOTP();
  secret = details.sharedSecret;
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.match(details.getSetupUri('Ampstack').href, /^otpauth:\/\/totp\//);
  const bad = await rejects(verifyTOTPSetup({ code: '000000' === totp(secret) ? '111111' : '000000' }));
  assert.equal(bad.name, 'EnableSoftwareTokenMFAException');
  await verifyTOTPSetup({ code: totp(secret, -1) });
  await updateMFAPreference({ totp: 'PREFERRED' });
  assert.deepEqual(await fetchMFAPreference(), { enabled: ['TOTP'], preferred: 'TOTP' });
  await signOut();
});

step('sign-in asks for the TOTP code; wrong code may be retried; a code works once', async () => {
  const r = await signIn({ username: email, password });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
  const wrong = await rejects(confirmSignIn({ challengeResponse: '000000' === totp(secret) ? '111111' : '000000' }));
  assert.equal(wrong.name, 'CodeMismatchException');
  const code = totp(secret);
  const done = await confirmSignIn({ challengeResponse: code });
  assert.equal(done.isSignedIn, true);
  await signOut();
  await signIn({ username: email, password });
  const reused = await rejects(confirmSignIn({ challengeResponse: code }));
  assert.equal(reused.name, 'CodeMismatchException');
  assert.equal((await confirmSignIn({ challengeResponse: totp(secret, 1) })).isSignedIn, true);
});

step('email OTP as the preferred MFA', async () => {
  await updateMFAPreference({ totp: 'DISABLED', email: 'PREFERRED' });
  assert.deepEqual(await fetchMFAPreference(), { enabled: ['EMAIL'], preferred: 'EMAIL' });
  await signOut();
  const r = await signIn({ username: email, password });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  assert.equal(r.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  const done = await confirmSignIn({ challengeResponse: await latestCode(email) });
  assert.equal(done.isSignedIn, true);
});

step('two methods and no preference: the user selects one', async () => {
  await setUpTOTP().then((d) => { secret = d.sharedSecret; });
  await verifyTOTPSetup({ code: totp(secret) });
  await updateMFAPreference({ totp: 'ENABLED', email: 'NOT_PREFERRED' });
  await signOut();
  const r = await signIn({ username: email, password });
  assert.equal(r.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION');
  assert.deepEqual([...r.nextStep.allowedMFATypes].sort(), ['EMAIL', 'TOTP']);
  const t = await confirmSignIn({ challengeResponse: 'TOTP' });
  assert.equal(t.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
  assert.equal((await confirmSignIn({ challengeResponse: totp(secret, 1) })).isSignedIn, true);
  await signOut();
});

step('USER_AUTH: passwordless sign-in with an email code', async () => {
  const other = await newUser('otp');
  const r = await signIn({ username: other, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const done = await confirmSignIn({ challengeResponse: await latestCode(other) });
  assert.equal(done.isSignedIn, true);
  assert.equal((await fetchAuthSession()).tokens.idToken.payload.email, other);
  await signOut();
  const choose = await signIn({ username: other, options: { authFlowType: 'USER_AUTH' } });
  assert.equal(choose.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  assert.ok(choose.nextStep.availableChallenges.includes('PASSWORD_SRP'));
  const pw = await confirmSignIn({ challengeResponse: 'PASSWORD_SRP' });
  assert.equal(pw.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_PASSWORD');
  assert.equal((await confirmSignIn({ challengeResponse: password })).isSignedIn, true);
  await signOut();
});

step('autoSignIn after confirmSignUp: USER_AUTH with the sign-up Session, and SRP', async () => {
  for (const autoSignInOption of [{ authFlowType: 'USER_AUTH' }, true]) {
    // The client debounces autoSignIn for 300 ms: a second one sooner never resolves.
    await sleep(400);
    const e = `auto${autoSignInOption === true ? 'srp' : 'ua'}.${tag}@example.com`;
    const r = await signUp({ username: e, password, options: { userAttributes: { email: e }, autoSignIn: autoSignInOption } });
    assert.equal(r.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
    const c = await confirmSignUp({ username: e, confirmationCode: await latestCode(e) });
    assert.equal(c.nextStep.signUpStep, 'COMPLETE_AUTO_SIGN_IN');
    const s = await autoSignIn();
    assert.equal(s.isSignedIn, true);
    assert.equal((await fetchAuthSession()).tokens.idToken.payload.email, e);
    assert.deepEqual(await fetchDevices(), []);
    await signOut();
  }
});

step('hot reload to mode REQUIRED: MFA_SETUP with TOTP during sign-in', async () => {
  const resource = path.join(process.env.AMPSTACK_DIR, 'amplify/auth/resource.ts');
  fs.writeFileSync(resource, fs.readFileSync(resource, 'utf8').replace("mode: 'OPTIONAL', totp: true, email: true", "mode: 'REQUIRED', totp: true"));
  const deadline = Date.now() + 30_000;
  while (JSON.parse(fs.readFileSync(outputsPath, 'utf8')).auth.mfa_configuration !== 'REQUIRED') {
    assert.ok(Date.now() < deadline, 'the sandbox did not reload');
    await sleep(100);
  }
  const fresh = await newUser('setup');
  const r = await signIn({ username: fresh, password });
  assert.equal(r.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP');
  const s = r.nextStep.totpSetupDetails.sharedSecret;
  const done = await confirmSignIn({ challengeResponse: totp(s) });
  assert.equal(done.isSignedIn, true);
  assert.deepEqual(await fetchMFAPreference(), { enabled: ['TOTP'], preferred: 'TOTP' });
  await signOut();
  const again = await signIn({ username: fresh, password });
  assert.equal(again.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
  assert.equal((await confirmSignIn({ challengeResponse: totp(s, 1) })).isSignedIn, true);
  await signOut();
});

await run();
