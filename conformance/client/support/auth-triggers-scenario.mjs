// The real aws-amplify client against a sandbox whose defineAuth has preSignUp,
// postConfirmation and preTokenGeneration triggers (conformance/projects/auth-triggers).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Amplify } from 'aws-amplify';
import { signUp, confirmSignUp, signIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';

const outputs = JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8'));
const { step, run } = createSteps();
const tag = crypto.randomBytes(4).toString('hex');
const password = 'Correct#Horse1';
const log = () => fs.readFileSync(`${process.env.AMPSTACK_DIR}/sandbox.log`, 'utf8');

async function latestCode(to) {
  const res = await fetch(`${outputs.custom.ampstack.endpoint}/_ampstack/outbox?to=${encodeURIComponent(to)}`);
  return (await res.json())[0]?.code;
}

step('configure', () => configureAmplify(Amplify, outputs));

step('preSignUp refuses a sign-up: UserLambdaValidationException with the function\'s message', async () => {
  const email = `eve.${tag}@blocked.example.com`;
  const e = await rejects(signUp({ username: email, password, options: { userAttributes: { email } } }));
  assert.equal(e.name, 'UserLambdaValidationException');
  assert.equal(e.message, 'PreSignUp failed with error this domain may not sign up.');
  assert.equal((await rejects(signIn({ username: email, password }))).name, 'NotAuthorizedException', 'no user was created');
});

step('preSignUp auto-confirms and auto-verifies: sign-up is complete without a code', async () => {
  const email = `ann.${tag}@auto.example.com`;
  const r = await signUp({ username: email, password, options: { userAttributes: { email } } });
  assert.equal(r.isSignUpComplete, true);
  assert.equal(r.nextStep.signUpStep, 'DONE');
  assert.equal(await latestCode(email), undefined, 'no code was sent');
  assert.equal((await signIn({ username: email, password })).isSignedIn, true);
  const { tokens } = await fetchAuthSession();
  assert.equal(tokens.idToken.payload.email_verified, true);
  await signOut();
});

step('postConfirmation runs after ConfirmSignUp; preTokenGeneration shapes the tokens', async () => {
  const email = `bob.${tag}@example.com`;
  const r = await signUp({ username: email, password, options: { userAttributes: { email, nickname: 'bobby' } } });
  assert.equal(r.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });
  const deadline = Date.now() + 10_000;
  while (!log().includes(`POSTCONFIRM PostConfirmation_ConfirmSignUp ${email} CONFIRMED`) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  assert.ok(log().includes(`POSTCONFIRM PostConfirmation_ConfirmSignUp ${email} CONFIRMED`), 'the postConfirmation function ran');
  assert.equal((await signIn({ username: email, password })).isSignedIn, true);
  const { tokens } = await fetchAuthSession();
  const id = tokens.idToken.payload;
  assert.equal(id.tier, 'gold');
  assert.equal(id.source, 'TokenGeneration_Authentication');
  assert.equal(id.nickname, undefined, 'nickname suppressed');
  assert.equal(id.email, email);
  assert.deepEqual(id['cognito:groups'], ['trigger-group']);
  assert.deepEqual(tokens.accessToken.payload['cognito:groups'], ['trigger-group']);
  await signOut();
});

step('CUSTOM_AUTH without the challenge triggers: Cognito\'s InvalidParameterException', async () => {
  const e = await rejects(signIn({ username: `bob.${tag}@example.com`, options: { authFlowType: 'CUSTOM_WITHOUT_SRP' } }));
  assert.equal(e.name, 'InvalidParameterException');
  assert.equal(e.message, 'Custom auth lambda trigger is not configured for the user pool.');
});

await run();
