// REQUIRED SMS MFA in an email sign-in pool with the real aws-amplify v6 client
// (conformance/projects/auth-phone rewritten by ../auth-phone.test.mjs to `loginWith: { email: true }`,
// `multifactor: { mode: 'REQUIRED', sms: true }`): a user with a phone number gets an SMS code at
// once, even to an unverified number, which the code then verifies (as Cognito does); a user
// without one is sent to MFA set-up, which the client cannot do for SMS and reports.
// Run by ../auth-phone.test.mjs.
import assert from 'node:assert/strict';
import { Amplify } from 'aws-amplify';
import { signUp, confirmSignUp, signIn, confirmSignIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';
import { outputs, password, tag, latestCode, newPhone, maskedPhone, wrongCode } from './auth-helpers.mjs';

const { step, run } = createSteps();

async function newUser(name, attributes = {}) {
  const email = `${name}.${tag}@example.com`;
  await signUp({ username: email, password, options: { userAttributes: { email, ...attributes } } });
  await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });
  return email;
}

step('configure', () => {
  assert.equal(outputs.auth.mfa_configuration, 'REQUIRED');
  assert.deepEqual(outputs.auth.mfa_methods, ['SMS']);
  configureAmplify(Amplify, outputs);
});

step('a user with an unverified phone number: SMS code at sign-in, which verifies the number', async () => {
  const phone = newPhone();
  const email = await newUser('withphone', { phone_number: phone });
  const r = await signIn({ username: email, password });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  assert.deepEqual(r.nextStep.codeDeliveryDetails, { deliveryMedium: 'SMS', destination: maskedPhone(phone) });
  const code = await latestCode(phone);
  const wrong = await rejects(confirmSignIn({ challengeResponse: wrongCode(code) }));
  assert.equal(wrong.name, 'CodeMismatchException');
  assert.equal((await confirmSignIn({ challengeResponse: code })).isSignedIn, true);
  const { idToken } = (await fetchAuthSession()).tokens;
  assert.equal(idToken.payload.phone_number, phone);
  assert.equal(idToken.payload.phone_number_verified, true);
  await signOut();
});

step('a user without a phone number: MFA_SETUP offers only SMS, which the client cannot set up', async () => {
  const email = await newUser('nophone');
  const e = await rejects(signIn({ username: email, password }));
  assert.equal(e.name, 'SignInException');
  assert.equal(e.message, 'Cannot initiate MFA setup from available types: SMS');
});

await run();
