// Email-or-phone sign-in with the real aws-amplify v6 client (conformance/projects/auth-phone
// rewritten by ../auth-phone.test.mjs to `loginWith: { email: true, phone: true }`, optional SMS
// MFA, `accountRecovery: 'EMAIL_AND_PHONE_WITHOUT_MFA'`, no passwordless switch): both attributes
// required (as Amplify makes them), sign-up codes by SMS, sign-in by either, where password reset
// codes go, no OTP first factor without `otpLogin`, and after a hot reload to REQUIRED SMS MFA a
// reset that skips the MFA phone. Run by ../auth-phone.test.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Amplify } from 'aws-amplify';
import {
  signUp, confirmSignUp, signIn, confirmSignIn, signOut, fetchAuthSession, resetPassword, confirmResetPassword,
  sendUserAttributeVerificationCode, confirmUserAttribute,
} from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';
import { outputs, password, tag, latestCode, newPhone, maskedPhone, sleep } from './auth-helpers.mjs';

const { step, run } = createSteps();
const dual = { email: `dual.${tag}@example.com`, phone: newPhone() };
const mailFirst = { email: `mail.${tag}@example.com`, phone: newPhone() };

step('configure', () => {
  assert.deepEqual(outputs.auth.username_attributes, ['email', 'phone_number']);
  assert.deepEqual(outputs.auth.user_verification_types, ['email', 'phone_number']);
  assert.deepEqual([...outputs.auth.standard_required_attributes].sort(), ['email', 'phone_number']);
  configureAmplify(Amplify, outputs);
});

step('signUp needs both attributes; the code goes by SMS (Cognito prefers the phone when both are verified)', async () => {
  const noPhone = await rejects(signUp({ username: dual.email, password, options: { userAttributes: { email: dual.email } } }));
  assert.equal(noPhone.name, 'InvalidParameterException');
  assert.equal(noPhone.message, 'Attributes did not conform to the schema: phone_number: The attribute is required');
  const r = await signUp({ username: dual.email, password, options: { userAttributes: { email: dual.email, phone_number: dual.phone } } });
  assert.deepEqual(r.nextStep.codeDeliveryDetails, { deliveryMedium: 'SMS', destination: maskedPhone(dual.phone), attributeName: 'phone_number' });
  await confirmSignUp({ username: dual.email, confirmationCode: await latestCode(dual.phone) });
  assert.equal((await signIn({ username: dual.phone, password })).isSignedIn, true);
  const { idToken } = (await fetchAuthSession()).tokens;
  assert.equal(idToken.payload.phone_number_verified, true);
  assert.equal(idToken.payload.email_verified, false);
  const sub = idToken.payload.sub;
  await signOut();
  assert.equal((await signIn({ username: dual.email, password })).isSignedIn, true);
  assert.equal((await fetchAuthSession()).tokens.idToken.payload.sub, sub);
  await signOut();
});

step('a second user signs up by phone number and verifies the email as well', async () => {
  await signUp({ username: mailFirst.phone, password, options: { userAttributes: { email: mailFirst.email } } });
  await confirmSignUp({ username: mailFirst.phone, confirmationCode: await latestCode(mailFirst.phone) });
  await signIn({ username: mailFirst.email, password });
  const d = await sendUserAttributeVerificationCode({ userAttributeKey: 'email' });
  assert.equal(d.deliveryMedium, 'EMAIL');
  await confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: await latestCode(mailFirst.email) });
  assert.equal((await fetchAuthSession({ forceRefresh: true })).tokens.idToken.payload.email_verified, true);
  await signOut();
});

step('account recovery EMAIL_AND_PHONE_WITHOUT_MFA: a verified email first, else the verified phone', async () => {
  const byMail = await resetPassword({ username: mailFirst.phone });
  assert.equal(byMail.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  assert.equal(byMail.nextStep.codeDeliveryDetails.attributeName, 'email');
  const bySms = await resetPassword({ username: dual.email });
  assert.deepEqual(bySms.nextStep.codeDeliveryDetails, { deliveryMedium: 'SMS', destination: maskedPhone(dual.phone), attributeName: 'phone_number' });
  const next = 'Another#Horse2';
  const code = await latestCode(mailFirst.email);
  await confirmResetPassword({ username: mailFirst.email, confirmationCode: code, newPassword: next });
  const reused = await rejects(confirmResetPassword({ username: mailFirst.email, confirmationCode: code, newPassword: password }));
  assert.equal(reused.name, 'ExpiredCodeException');
  assert.equal((await signIn({ username: mailFirst.email, password: next })).isSignedIn, true);
  await signOut();
  await confirmResetPassword({ username: dual.email, confirmationCode: await latestCode(dual.phone), newPassword: next });
  assert.equal((await signIn({ username: dual.phone, password: next })).isSignedIn, true);
  await signOut();
  dual.password = next;
});

step('no otpLogin: USER_AUTH offers only password factors, whatever the preference', async () => {
  assert.equal(outputs.auth.passwordless, undefined);
  const preferred = await signIn({ username: dual.email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'SMS_OTP' } });
  assert.equal(preferred.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  assert.deepEqual([...preferred.nextStep.availableChallenges].sort(), ['PASSWORD', 'PASSWORD_SRP']);
  const r = await signIn({ username: dual.email, options: { authFlowType: 'USER_AUTH' } });
  assert.equal(r.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  assert.deepEqual([...r.nextStep.availableChallenges].sort(), ['PASSWORD', 'PASSWORD_SRP']);
  const chosen = await rejects(confirmSignIn({ challengeResponse: 'EMAIL_OTP' }));
  assert.equal(chosen.name, 'InvalidParameterException');
});

step('hot reload to REQUIRED SMS MFA: an SMS code at sign-in, and no reset code to the MFA phone', async () => {
  const resource = path.join(process.env.AMPSTACK_DIR, 'amplify/auth/resource.ts');
  fs.writeFileSync(resource, fs.readFileSync(resource, 'utf8').replace("mode: 'OPTIONAL', sms: true", "mode: 'REQUIRED', sms: true"));
  const deadline = Date.now() + 30_000;
  while (JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8')).auth.mfa_configuration !== 'REQUIRED') {
    assert.ok(Date.now() < deadline, 'the sandbox did not reload');
    await sleep(100);
  }
  const r = await signIn({ username: dual.email, password: dual.password });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  assert.equal(r.nextStep.codeDeliveryDetails.destination, maskedPhone(dual.phone));
  assert.equal((await confirmSignIn({ challengeResponse: await latestCode(dual.phone) })).isSignedIn, true);
  await signOut();
  // The phone is now the MFA factor and the email is unverified: WITHOUT_MFA leaves nowhere to send.
  const refused = await rejects(resetPassword({ username: dual.email }));
  assert.equal(refused.name, 'InvalidParameterException');
  assert.equal((await resetPassword({ username: mailFirst.email })).nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
});

await run();
