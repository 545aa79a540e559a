// Username sign-in through the documented escape hatch (`cfnUserPool.usernameAttributes = []`,
// conformance/projects/auth-username) with the real aws-amplify v6 client: sign-up with a
// username and an email attribute (verified by the emailed code), sign-in by the username in any
// letter case (Amplify makes pools case-insensitive), Cognito's errors for a taken username and a
// malformed one, and no sign-in by email. Run by ../auth-cli.test.mjs.
import assert from 'node:assert/strict';
import { Amplify } from 'aws-amplify';
import { signUp, confirmSignUp, signIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';
import { outputs, password, tag, latestCode } from './auth-helpers.mjs';

const { step, run } = createSteps();
const username = `Ada_${tag}`;
const email = `ada.${tag}@example.com`;

step('configure: no username attributes, email still verified', () => {
  assert.deepEqual(outputs.auth.username_attributes, []);
  assert.deepEqual(outputs.auth.user_verification_types, ['email']);
  assert.deepEqual(outputs.auth.standard_required_attributes, ['email']);
  configureAmplify(Amplify, outputs);
});

step('signUp with a username and an email attribute; the code goes to the email', async () => {
  const r = await signUp({ username, password, options: { userAttributes: { email } } });
  assert.equal(r.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  assert.equal(r.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  assert.equal(r.nextStep.codeDeliveryDetails.attributeName, 'email');
  const missing = await rejects(signUp({ username: `nomail_${tag}`, password }));
  assert.equal(missing.name, 'InvalidParameterException');
  assert.match(missing.message, /email: The attribute is required/);
  await confirmSignUp({ username: username.toLowerCase(), confirmationCode: await latestCode(email) });
});

step('sign-in by username, in any letter case; cognito:username keeps the chosen spelling', async () => {
  assert.equal((await signIn({ username, password })).isSignedIn, true);
  const { idToken, accessToken } = (await fetchAuthSession()).tokens;
  assert.equal(idToken.payload['cognito:username'], username);
  assert.equal(accessToken.payload.username, username);
  assert.equal(idToken.payload.email, email);
  assert.equal(idToken.payload.email_verified, true);
  assert.notEqual(idToken.payload.sub, username);
  await signOut();
  assert.equal((await signIn({ username: username.toUpperCase(), password })).isSignedIn, true);
  await signOut();
});

step('a taken username (any case) is UsernameExistsException; whitespace is InvalidParameterException', async () => {
  const taken = await rejects(signUp({ username: username.toUpperCase(), password, options: { userAttributes: { email: `other.${tag}@example.com` } } }));
  assert.equal(taken.name, 'UsernameExistsException');
  assert.equal(taken.message, 'User already exists');
  const spaced = await rejects(signUp({ username: 'two words', password, options: { userAttributes: { email } } }));
  assert.equal(spaced.name, 'InvalidParameterException');
});

step('the email is not a sign-in name in a username pool', async () => {
  const e = await rejects(signIn({ username: email, password }));
  assert.equal(e.name, 'NotAuthorizedException');
  assert.equal(e.message, 'Incorrect username or password.');
});

await run();
