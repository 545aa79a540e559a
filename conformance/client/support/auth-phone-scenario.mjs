// Phone-number sign-in with the real aws-amplify v6 client (project conformance/projects/auth-phone:
// `loginWith: { phone: { otpLogin: true } }`, optional SMS/TOTP MFA): sign-up confirmed by an SMS
// code from the outbox, E.164 errors, SMS MFA (preferred, wrong code, a used code, selection with
// TOTP), USER_AUTH SMS_OTP (preferred and chosen), account recovery by SMS and its refusal for a
// phone used for SMS MFA, then a hot reload to `mode: 'REQUIRED', sms: true`.
// Run by ../auth-phone.test.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Amplify } from 'aws-amplify';
import {
  signUp, confirmSignUp, signIn, confirmSignIn, signOut, fetchAuthSession, updateMFAPreference, fetchMFAPreference,
  setUpTOTP, verifyTOTPSetup, resetPassword, confirmResetPassword,
} from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';
import { outputs, password, latestCode, newPhone, maskedPhone, wrongCode, totp, sleep } from './auth-helpers.mjs';

const { step, run } = createSteps();
const userAuth = (preferredChallenge) => ({ authFlowType: 'USER_AUTH', ...(preferredChallenge ? { preferredChallenge } : {}) });

/** Signs a new phone user up and confirms it with the SMS code. */
async function newUser() {
  const phone = newPhone();
  await signUp({ username: phone, password });
  await confirmSignUp({ username: phone, confirmationCode: await latestCode(phone) });
  return phone;
}

const alice = newPhone();
let bob;
let secret;

step('configure', () => {
  assert.deepEqual(outputs.auth.username_attributes, ['phone_number']);
  assert.deepEqual(outputs.auth.mfa_methods, ['SMS', 'TOTP']);
  assert.deepEqual(outputs.auth.passwordless, { email_otp_enabled: false, sms_otp_enabled: true });
  configureAmplify(Amplify, outputs);
});

step('signUp with a phone number: the code goes by SMS to the outbox', async () => {
  const r = await signUp({ username: alice, password });
  assert.equal(r.isSignUpComplete, false);
  assert.equal(r.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  assert.deepEqual(r.nextStep.codeDeliveryDetails, { deliveryMedium: 'SMS', destination: maskedPhone(alice), attributeName: 'phone_number' });
  const wrong = await rejects(confirmSignUp({ username: alice, confirmationCode: wrongCode(await latestCode(alice)) }));
  assert.equal(wrong.name, 'CodeMismatchException');
  const done = await confirmSignUp({ username: alice, confirmationCode: await latestCode(alice) });
  assert.equal(done.isSignUpComplete, true);
});

step('SRP sign-in by phone number: phone_number_verified in the id token', async () => {
  assert.equal((await signIn({ username: alice, password })).isSignedIn, true);
  const { idToken } = (await fetchAuthSession()).tokens;
  assert.equal(idToken.payload.phone_number, alice);
  assert.equal(idToken.payload.phone_number_verified, true);
  assert.equal(idToken.payload['cognito:username'], idToken.payload.sub);
  await signOut();
});

step('E.164 and username errors are Cognito\'s InvalidParameterException; a taken number is UsernameExistsException', async () => {
  const bad = await rejects(signUp({ username: '+1555abc0100', password }));
  assert.equal(bad.name, 'InvalidParameterException');
  assert.equal(bad.message, 'Invalid phone number format.');
  const tooLong = await rejects(signUp({ username: '+1234567890123456', password }));
  assert.equal(tooLong.name, 'InvalidParameterException');
  const notPhone = await rejects(signUp({ username: 'alice', password }));
  assert.equal(notPhone.name, 'InvalidParameterException');
  assert.equal(notPhone.message, 'Username should be a phone number.');
  const taken = await rejects(signUp({ username: alice, password }));
  assert.equal(taken.name, 'UsernameExistsException');
  assert.equal(taken.message, 'An account with the given phone_number already exists.');
});

step('SMS MFA preferred: CONFIRM_SIGN_IN_WITH_SMS_CODE, wrong code, right code', async () => {
  await signIn({ username: alice, password });
  await updateMFAPreference({ sms: 'PREFERRED' });
  assert.deepEqual(await fetchMFAPreference(), { enabled: ['SMS'], preferred: 'SMS' });
  await signOut();
  const r = await signIn({ username: alice, password });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  assert.deepEqual(r.nextStep.codeDeliveryDetails, { deliveryMedium: 'SMS', destination: maskedPhone(alice) });
  const code = await latestCode(alice);
  const wrong = await rejects(confirmSignIn({ challengeResponse: wrongCode(code) }));
  assert.equal(wrong.name, 'CodeMismatchException');
  assert.equal((await confirmSignIn({ challengeResponse: code })).isSignedIn, true);
  await signOut();
  // The used code is gone: the next sign-in's challenge refuses it.
  await signIn({ username: alice, password });
  const fresh = await latestCode(alice);
  if (fresh !== code) {
    const reused = await rejects(confirmSignIn({ challengeResponse: code }));
    assert.equal(reused.name, 'CodeMismatchException');
  }
  assert.equal((await confirmSignIn({ challengeResponse: fresh })).isSignedIn, true);
});

step('SMS and TOTP enabled, none preferred: CONTINUE_SIGN_IN_WITH_MFA_SELECTION', async () => {
  secret = (await setUpTOTP()).sharedSecret;
  await verifyTOTPSetup({ code: totp(secret) });
  await updateMFAPreference({ sms: 'NOT_PREFERRED', totp: 'ENABLED' });
  assert.deepEqual((await fetchMFAPreference()).enabled.sort(), ['SMS', 'TOTP']);
  await signOut();
  const r = await signIn({ username: alice, password });
  assert.equal(r.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION');
  assert.deepEqual([...r.nextStep.allowedMFATypes].sort(), ['SMS', 'TOTP']);
  const sms = await confirmSignIn({ challengeResponse: 'SMS' });
  assert.equal(sms.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  assert.equal(sms.nextStep.codeDeliveryDetails.deliveryMedium, 'SMS');
  assert.equal((await confirmSignIn({ challengeResponse: await latestCode(alice) })).isSignedIn, true);
  await signOut();
});

step('USER_AUTH SMS_OTP: passwordless sign-in with a code by SMS', async () => {
  bob = await newUser();
  const r = await signIn({ username: bob, options: userAuth('SMS_OTP') });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  assert.equal(r.nextStep.codeDeliveryDetails.deliveryMedium, 'SMS');
  assert.equal(r.nextStep.codeDeliveryDetails.destination, maskedPhone(bob));
  const wrong = await rejects(confirmSignIn({ challengeResponse: wrongCode(await latestCode(bob)) }));
  assert.equal(wrong.name, 'CodeMismatchException');
  assert.equal((await confirmSignIn({ challengeResponse: await latestCode(bob) })).isSignedIn, true);
  assert.equal((await fetchAuthSession()).tokens.idToken.payload.phone_number, bob);
  await signOut();
});

step('USER_AUTH without a preference: first-factor selection offers SMS_OTP (never EMAIL_OTP here)', async () => {
  const r = await signIn({ username: bob, options: userAuth() });
  assert.equal(r.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  assert.deepEqual([...r.nextStep.availableChallenges].sort(), ['PASSWORD', 'PASSWORD_SRP', 'SMS_OTP']);
  const chosen = await confirmSignIn({ challengeResponse: 'SMS_OTP' });
  assert.equal(chosen.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  assert.equal((await confirmSignIn({ challengeResponse: await latestCode(bob) })).isSignedIn, true);
  await signOut();
  // A user with MFA turned on is not offered passwordless factors (Cognito cannot combine them).
  const mfaUser = await signIn({ username: alice, options: userAuth() });
  assert.equal(mfaUser.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  assert.deepEqual([...mfaUser.nextStep.availableChallenges].sort(), ['PASSWORD', 'PASSWORD_SRP']);
});

step('account recovery (PHONE_ONLY_WITHOUT_MFA): reset code by SMS; refused for an SMS MFA phone', async () => {
  const r = await resetPassword({ username: bob });
  assert.equal(r.nextStep.resetPasswordStep, 'CONFIRM_RESET_PASSWORD_WITH_CODE');
  assert.deepEqual(r.nextStep.codeDeliveryDetails, { deliveryMedium: 'SMS', destination: maskedPhone(bob), attributeName: 'phone_number' });
  const next = 'Another#Horse2';
  await confirmResetPassword({ username: bob, confirmationCode: await latestCode(bob), newPassword: next });
  const old = await rejects(signIn({ username: bob, password }));
  assert.equal(old.name, 'NotAuthorizedException');
  assert.equal((await signIn({ username: bob, password: next })).isSignedIn, true);
  await signOut();
  const refused = await rejects(resetPassword({ username: alice }));
  assert.equal(refused.name, 'InvalidParameterException');
});

step('hot reload to mode REQUIRED with SMS only: a user without MFA gets an SMS code at once', async () => {
  const resource = path.join(process.env.AMPSTACK_DIR, 'amplify/auth/resource.ts');
  fs.writeFileSync(resource, fs.readFileSync(resource, 'utf8').replace("mode: 'OPTIONAL', sms: true, totp: true", "mode: 'REQUIRED', sms: true"));
  const deadline = Date.now() + 30_000;
  while (JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8')).auth.mfa_configuration !== 'REQUIRED') {
    assert.ok(Date.now() < deadline, 'the sandbox did not reload');
    await sleep(100);
  }
  const carol = await newUser();
  const r = await signIn({ username: carol, password });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  assert.equal((await confirmSignIn({ challengeResponse: await latestCode(carol) })).isSignedIn, true);
  await signOut();
  // REQUIRED MFA and passwordless cannot be combined: SMS_OTP is no longer offered.
  const choose = await signIn({ username: carol, options: userAuth() });
  assert.deepEqual([...choose.nextStep.availableChallenges].sort(), ['PASSWORD', 'PASSWORD_SRP']);
});

await run();
