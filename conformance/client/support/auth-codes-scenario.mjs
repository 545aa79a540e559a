// Code expiry and single use with the real aws-amplify v6 client, on a sandbox started with
// AMPSTACK_CODE_TTL_SECONDS=2 (conformance/projects/auth-phone): a sign-up code and an SMS MFA
// code refused once expired (ExpiredCodeException), a fresh code accepted, a used code refused.
// Run by ../auth-phone.test.mjs.
import assert from 'node:assert/strict';
import { Amplify } from 'aws-amplify';
import {
  signUp, confirmSignUp, resendSignUpCode, signIn, confirmSignIn, signOut, updateMFAPreference, resetPassword, confirmResetPassword,
} from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';
import { outputs, password, latestCode, newPhone, sleep } from './auth-helpers.mjs';

const { step, run } = createSteps();
const ttlMs = Number(process.env.AMPSTACK_CODE_TTL_SECONDS) * 1000;
const phone = newPhone();

step('configure', () => {
  assert.ok(ttlMs > 0, 'AMPSTACK_CODE_TTL_SECONDS must be set for this scenario');
  configureAmplify(Amplify, outputs);
});

step('an expired sign-up code is ExpiredCodeException; a resent one works', async () => {
  await signUp({ username: phone, password });
  const stale = await latestCode(phone);
  await sleep(ttlMs + 500);
  const e = await rejects(confirmSignUp({ username: phone, confirmationCode: stale }));
  assert.equal(e.name, 'ExpiredCodeException');
  await resendSignUpCode({ username: phone });
  const fresh = await latestCode(phone);
  assert.equal((await confirmSignUp({ username: phone, confirmationCode: fresh })).isSignUpComplete, true);
});

step('an expired SMS MFA code is ExpiredCodeException; the next sign-in\'s code works', async () => {
  await signIn({ username: phone, password });
  await updateMFAPreference({ sms: 'PREFERRED' });
  await signOut();
  const r = await signIn({ username: phone, password });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  const stale = await latestCode(phone);
  await sleep(ttlMs + 500);
  const e = await rejects(confirmSignIn({ challengeResponse: stale }));
  assert.equal(e.name, 'ExpiredCodeException');
  await signIn({ username: phone, password });
  assert.equal((await confirmSignIn({ challengeResponse: await latestCode(phone) })).isSignedIn, true);
  await signOut();
});

step('a password reset code works once (SMS MFA off first: recovery skips an MFA phone)', async () => {
  await signIn({ username: phone, password });
  await confirmSignIn({ challengeResponse: await latestCode(phone) });
  await updateMFAPreference({ sms: 'DISABLED' });
  await signOut();
  await resetPassword({ username: phone });
  const code = await latestCode(phone);
  await confirmResetPassword({ username: phone, confirmationCode: code, newPassword: 'Another#Horse2' });
  const reused = await rejects(confirmResetPassword({ username: phone, confirmationCode: code, newPassword: 'Third#Horse3' }));
  assert.equal(reused.name, 'ExpiredCodeException');
  assert.equal((await signIn({ username: phone, password: 'Another#Horse2' })).isSignedIn, true);
});

await run();
