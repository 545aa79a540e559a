// The real aws-amplify v6 Auth category against a running ampstack sandbox (started by
// ../auth.test.mjs, which passes AMPSTACK_OUTPUTS and trusts the sandbox CA for this process).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Amplify } from 'aws-amplify';
import {
  signUp, confirmSignUp, resendSignUpCode, signIn, signOut, fetchAuthSession, getCurrentUser,
  fetchUserAttributes, updateUserAttributes, updatePassword, resetPassword, confirmResetPassword,
  deleteUser, deleteUserAttributes, sendUserAttributeVerificationCode, confirmUserAttribute,
} from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';

const outputs = JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8'));
const local = outputs.custom.ampstack;
const { step, run } = createSteps();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tag = crypto.randomBytes(4).toString('hex');
const email = `alice.${tag}@example.com`;
const password = 'Correct#Horse1';
let currentPassword = password;

const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const header = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());

async function latestCode(to) {
  const res = await fetch(`${local.endpoint}/_ampstack/outbox?to=${encodeURIComponent(to)}`);
  assert.equal(res.status, 200);
  const msgs = await res.json();
  assert.ok(msgs.length > 0, `no message in the outbox for ${to}`);
  for (const k of ['to', 'subject', 'body', 'code', 'sentAt']) assert.ok(k in msgs[0], `outbox message lacks ${k}`);
  assert.ok(msgs[0].body.includes(msgs[0].code));
  return msgs[0].code;
}

/** A raw user-pool call, as the client makes it. */
async function cognito(op, body) {
  const res = await fetch(local.user_pool_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), body: await res.json() };
}

async function identityCall(op, body) {
  const res = await fetch(local.identity_pool_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${op}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), body: await res.json() };
}

step('configure the client with the ampstack adapter', () => {
  const config = configureAmplify(Amplify, outputs);
  assert.equal(config.Auth.Cognito.userPoolEndpoint, local.user_pool_endpoint);
});

step('signUp refuses a weak password with InvalidPasswordException', async () => {
  const e = await rejects(signUp({ username: `weak.${tag}@example.com`, password: 'password', options: { userAttributes: { email: `weak.${tag}@example.com` } } }));
  assert.equal(e.name, 'InvalidPasswordException');
  assert.match(e.message, /Password did not conform with policy/);
});

step('signUp enforces custom attribute constraints', async () => {
  const e = await rejects(signUp({ username: `c.${tag}@example.com`, password, options: { userAttributes: { email: `c.${tag}@example.com`, 'custom:favorite_number': '500' } } }));
  assert.equal(e.name, 'InvalidParameterException');
  assert.match(e.message, /custom:favorite_number/);
  const e2 = await rejects(signUp({ username: `d.${tag}@example.com`, password, options: { userAttributes: { email: `d.${tag}@example.com`, 'custom:display_name': 'x'.repeat(17) } } }));
  assert.equal(e2.name, 'InvalidParameterException');
});

let sub;
step('signUp sends a code to the outbox', async () => {
  const r = await signUp({ username: email, password, options: { userAttributes: { email, 'custom:display_name': 'Alice' } } });
  assert.equal(r.isSignUpComplete, false);
  assert.equal(r.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  assert.equal(r.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  assert.equal(r.nextStep.codeDeliveryDetails.attributeName, 'email');
  assert.ok(r.userId);
  sub = r.userId;
  const dup = await rejects(signUp({ username: email, password, options: { userAttributes: { email } } }));
  assert.equal(dup.name, 'UsernameExistsException');
});

step('signIn before confirmation asks to confirm sign-up', async () => {
  const r = await signIn({ username: email, password });
  assert.equal(r.isSignedIn, false);
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_UP');
});

step('confirmSignUp: wrong code refused, outbox code accepted', async () => {
  await resendSignUpCode({ username: email });
  const code = await latestCode(email);
  const wrong = code === '000000' ? '111111' : '000000';
  const e = await rejects(confirmSignUp({ username: email, confirmationCode: wrong }));
  assert.equal(e.name, 'CodeMismatchException');
  const r = await confirmSignUp({ username: email, confirmationCode: code });
  assert.equal(r.isSignUpComplete, true);
  assert.equal(r.nextStep.signUpStep, 'DONE');
  const again = await rejects(confirmSignUp({ username: email, confirmationCode: code }));
  assert.equal(again.name, 'NotAuthorizedException');
});

let tokens;
step('signIn with SRP (the default flow)', async () => {
  const r = await signIn({ username: email, password });
  assert.equal(r.isSignedIn, true);
  assert.equal(r.nextStep.signInStep, 'DONE');
  tokens = (await fetchAuthSession()).tokens;
  assert.ok(tokens?.accessToken && tokens?.idToken);
});

step('token claims are Cognito\'s', () => {
  const access = tokens.accessToken.payload;
  const id = tokens.idToken.payload;
  const iss = `${local.endpoint}/${outputs.auth.user_pool_id}`;
  for (const c of ['sub', 'iss', 'client_id', 'origin_jti', 'event_id', 'token_use', 'scope', 'auth_time', 'exp', 'iat', 'jti', 'username']) assert.ok(c in access, `access token lacks ${c}`);
  for (const c of ['sub', 'email_verified', 'iss', 'cognito:username', 'origin_jti', 'aud', 'event_id', 'token_use', 'auth_time', 'exp', 'iat', 'jti', 'email']) assert.ok(c in id, `id token lacks ${c}`);
  assert.equal(access.token_use, 'access');
  assert.equal(id.token_use, 'id');
  assert.equal(access.iss, iss);
  assert.equal(id.iss, iss);
  assert.equal(access.client_id, outputs.auth.user_pool_client_id);
  assert.equal(id.aud, outputs.auth.user_pool_client_id);
  assert.equal(access.scope, 'aws.cognito.signin.user.admin');
  assert.equal(id.sub, sub);
  assert.equal(id.email, email);
  assert.equal(id.email_verified, true);
  assert.equal(id['custom:display_name'], 'Alice');
  assert.equal(access.origin_jti, id.origin_jti);
  assert.equal(access.exp - access.iat, 3600);
  const h = header(tokens.idToken.toString());
  assert.equal(h.alg, 'RS256');
  assert.ok(h.kid);
});

step('the id token verifies against the JWKS of the issuer', async () => {
  const iss = tokens.idToken.payload.iss;
  const conf = await (await fetch(`${iss}/.well-known/openid-configuration`)).json();
  assert.equal(conf.issuer, iss);
  const jwks = await (await fetch(conf.jwks_uri)).json();
  const jwt = tokens.idToken.toString();
  const { kid } = header(jwt);
  const jwk = jwks.keys.find((k) => k.kid === kid);
  assert.ok(jwk, 'kid not in the JWKS');
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const [h, p, s] = jwt.split('.');
  assert.ok(crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')), 'signature does not verify');
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...decode(jwt), email: 'mallory@example.com' })).toString('base64url')}`;
  assert.ok(!crypto.verify('RSA-SHA256', Buffer.from(forged), key, Buffer.from(s, 'base64url')));
});

step('getCurrentUser reads the id token', async () => {
  const u = await getCurrentUser();
  assert.equal(u.userId, sub);
  assert.equal(u.username, tokens.idToken.payload['cognito:username']);
  assert.equal(u.signInDetails.loginId, email);
});

step('fetchUserAttributes', async () => {
  const a = await fetchUserAttributes();
  assert.equal(a.email, email);
  assert.equal(a.email_verified, 'true');
  assert.equal(a.sub, sub);
  assert.equal(a['custom:display_name'], 'Alice');
});

step('updateUserAttributes shows in the refreshed id token; constraints enforced', async () => {
  const r = await updateUserAttributes({ userAttributes: { nickname: 'ally', 'custom:favorite_number': '42' } });
  assert.equal(r.nickname.isUpdated, true);
  assert.equal(r['custom:favorite_number'].isUpdated, true);
  const { tokens: t } = await fetchAuthSession({ forceRefresh: true });
  assert.equal(t.idToken.payload.nickname, 'ally');
  assert.equal(t.idToken.payload['custom:favorite_number'], '42');
  assert.equal(t.idToken.payload.origin_jti, tokens.idToken.payload.origin_jti, 'refresh keeps the session');
  const e = await rejects(updateUserAttributes({ userAttributes: { 'custom:favorite_number': '101' } }));
  assert.equal(e.name, 'InvalidParameterException');
  const e2 = await rejects(updateUserAttributes({ userAttributes: { email_verified: 'true' } }));
  assert.equal(e2.name, 'NotAuthorizedException');
  tokens = t;
});

let signedInIdentity;
step('fetchAuthSession gives signed-in credentials with a stable identity id', async () => {
  const s = await fetchAuthSession();
  assert.ok(s.identityId?.startsWith(`${outputs.auth.identity_pool_id.split(':')[0]}:`));
  assert.ok(s.credentials.accessKeyId.startsWith('ASIA'));
  assert.ok(s.credentials.secretAccessKey && s.credentials.sessionToken);
  assert.ok(s.credentials.expiration instanceof Date);
  assert.ok(s.credentials.expiration.getTime() >= Date.now() + 55 * 60_000, 'credentials valid for about an hour');
  signedInIdentity = s.identityId;
  const again = await fetchAuthSession({ forceRefresh: true });
  assert.equal(again.identityId, signedInIdentity);
  assert.notEqual(again.credentials.accessKeyId, s.credentials.accessKeyId);
});

step('updatePassword: wrong old password refused, right one changes it', async () => {
  const e = await rejects(updatePassword({ oldPassword: 'Wrong#Pass1', newPassword: 'Another#Pass2' }));
  assert.equal(e.name, 'NotAuthorizedException');
  const weak = await rejects(updatePassword({ oldPassword: password, newPassword: 'short' }));
  assert.equal(weak.name, 'InvalidPasswordException');
  await updatePassword({ oldPassword: password, newPassword: 'Another#Pass2' });
  currentPassword = 'Another#Pass2';
});

step('signOut({global:true}) revokes the old access token', async () => {
  const old = tokens.accessToken.toString();
  assert.equal((await cognito('GetUser', { AccessToken: old })).status, 200);
  await signOut({ global: true });
  const r = await cognito('GetUser', { AccessToken: old });
  assert.equal(r.status, 400);
  assert.equal(r.type, 'NotAuthorizedException');
  assert.equal(r.body.__type, 'NotAuthorizedException');
  assert.match(r.body.message, /revoked/);
  assert.equal((await fetchAuthSession()).tokens, undefined);
});

step('guest credentials when signed out', async () => {
  const s = await fetchAuthSession();
  assert.equal(s.tokens, undefined);
  assert.ok(s.identityId);
  assert.notEqual(s.identityId, signedInIdentity);
  assert.ok(s.credentials?.accessKeyId);
});

step('USER_PASSWORD_AUTH with the changed password; the user keeps their identity id', async () => {
  const old = await rejects(signIn({ username: email, password, options: { authFlowType: 'USER_PASSWORD_AUTH' } }));
  assert.equal(old.name, 'NotAuthorizedException');
  const r = await signIn({ username: email, password: currentPassword, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
  assert.equal(r.isSignedIn, true);
  const s = await fetchAuthSession();
  assert.equal(s.identityId, signedInIdentity);
  await signOut();
});

step('signOut() revokes the refresh token (RevokeToken)', async () => {
  const r = await signIn({ username: email, password: currentPassword });
  assert.equal(r.isSignedIn, true);
  const { tokens: t } = await fetchAuthSession();
  await signOut();
  const g = await cognito('GetUser', { AccessToken: t.accessToken.toString() });
  assert.equal(g.type, 'NotAuthorizedException');
});

step('resetPassword / confirmResetPassword with the outbox code', async () => {
  const r = await resetPassword({ username: email });
  assert.equal(r.nextStep.resetPasswordStep, 'CONFIRM_RESET_PASSWORD_WITH_CODE');
  assert.equal(r.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  const code = await latestCode(email);
  const weak = await rejects(confirmResetPassword({ username: email, confirmationCode: code, newPassword: 'weak' }));
  assert.equal(weak.name, 'InvalidPasswordException');
  await confirmResetPassword({ username: email, confirmationCode: code, newPassword: 'Reset#Pass3' });
  currentPassword = 'Reset#Pass3';
  const reused = await rejects(confirmResetPassword({ username: email, confirmationCode: code, newPassword: 'Reset#Pass4' }));
  assert.equal(reused.name, 'ExpiredCodeException');
  const r2 = await signIn({ username: email, password: currentPassword });
  assert.equal(r2.isSignedIn, true);
  await signOut();
});

step('USER_AUTH with the PASSWORD and PASSWORD_SRP first factors', async () => {
  for (const preferredChallenge of ['PASSWORD', 'PASSWORD_SRP']) {
    const r = await signIn({ username: email, password: currentPassword, options: { authFlowType: 'USER_AUTH', preferredChallenge } });
    assert.equal(r.nextStep.signInStep, 'DONE', preferredChallenge);
    await signOut();
  }
});

step('deleteUserAttributes; sendUserAttributeVerificationCode / confirmUserAttribute', async () => {
  await signIn({ username: email, password: currentPassword });
  await updateUserAttributes({ userAttributes: { nickname: 'temporary' } });
  await deleteUserAttributes({ userAttributeKeys: ['nickname'] });
  assert.equal((await fetchUserAttributes()).nickname, undefined);
  const sent = await sendUserAttributeVerificationCode({ userAttributeKey: 'email' });
  assert.equal(sent.deliveryMedium, 'EMAIL');
  const code = await latestCode(email);
  const wrong = await rejects(confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: code === '000000' ? '111111' : '000000' }));
  assert.equal(wrong.name, 'CodeMismatchException');
  await confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: code });
  assert.equal((await fetchUserAttributes()).email_verified, 'true');
  const reused = await rejects(confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: code }));
  assert.equal(reused.name, 'ExpiredCodeException', 'codes are single-use');
});

step('InitiateAuth REFRESH_TOKEN_AUTH (SDKs) gives new tokens for a live refresh token only', async () => {
  const { tokens } = await fetchAuthSession();
  const clientId = outputs.auth.user_pool_client_id;
  const r = await cognito('InitiateAuth', { ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: currentPassword } });
  const refreshToken = r.body.AuthenticationResult.RefreshToken;
  const again = await cognito('InitiateAuth', { ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(decode(again.body.AuthenticationResult.AccessToken).sub, decode(tokens.accessToken.toString()).sub);
  assert.equal(again.body.AuthenticationResult.RefreshToken, undefined);
  await cognito('RevokeToken', { ClientId: clientId, Token: refreshToken });
  const revoked = await cognito('InitiateAuth', { ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } });
  assert.equal(revoked.type, 'NotAuthorizedException');
  await signOut();
});

step('wrong passwords lock the user out progressively', async () => {
  for (let i = 0; i < 5; i++) {
    const e = await rejects(signIn({ username: email, password: 'Wrong#Pass9', options: { authFlowType: 'USER_PASSWORD_AUTH' } }));
    assert.equal(e.name, 'NotAuthorizedException');
    assert.equal(e.message, 'Incorrect username or password.');
  }
  const locked = await rejects(signIn({ username: email, password: currentPassword }));
  assert.equal(locked.name, 'NotAuthorizedException');
  assert.equal(locked.message, 'Password attempts exceeded');
  await sleep(1200);
  const r = await signIn({ username: email, password: currentPassword });
  assert.equal(r.isSignedIn, true);
  await signOut();
});

step('unknown users get the same answer as wrong passwords', async () => {
  const e = await rejects(signIn({ username: `nobody.${tag}@example.com`, password }));
  assert.equal(e.name, 'NotAuthorizedException');
  assert.equal(e.message, 'Incorrect username or password.');
});

step('wire errors: unknown operation, foreign client id', async () => {
  const r = await cognito('NoSuchOperation', {});
  assert.equal(r.status, 400);
  assert.equal(r.type, 'UnknownOperationException');
  const c = await cognito('SignUp', { ClientId: 'nope', Username: 'x@example.com', Password: password });
  assert.equal(c.type, 'ResourceNotFoundException');
  const g = await identityCall('GetId', { IdentityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000', Logins: {} });
  assert.equal(g.type, 'ResourceNotFoundException');
});

step('deleteUser removes the account', async () => {
  await signIn({ username: email, password: currentPassword });
  await deleteUser();
  const e = await rejects(signIn({ username: email, password: currentPassword }));
  assert.equal(e.name, 'NotAuthorizedException');
});

await run();
