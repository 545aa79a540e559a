import { defineAuth, defineFunction } from '@aws-amplify/backend';

// Cognito's custom authentication flow (a question after an optional password step) and the
// other authentication triggers: preAuthentication refuses blocked accounts, postAuthentication
// logs each sign-in, customMessage rewrites the codes' messages, userMigration brings in users of
// a "legacy" directory on their first sign-in or password reset, preTokenGeneration (V2, see
// backend.ts) shapes the access token.
const fn = (name: string, dir: string) => defineFunction({ name, entry: `../functions/${dir}/handler.ts` });
export const preTokenGeneration = fn('preTokenGeneration', 'pre-token');

export const auth = defineAuth({
  loginWith: { email: true },
  // MFA for whoever turns it on: it follows the password step of CUSTOM_WITH_SRP.
  multifactor: { mode: 'OPTIONAL', totp: true },
  userAttributes: { nickname: { required: false, mutable: true } },
  triggers: {
    defineAuthChallenge: fn('defineAuthChallenge', 'define-challenge'),
    createAuthChallenge: fn('createAuthChallenge', 'create-challenge'),
    verifyAuthChallengeResponse: fn('verifyAuthChallengeResponse', 'verify-challenge'),
    preAuthentication: fn('preAuthentication', 'pre-authentication'),
    postAuthentication: fn('postAuthentication', 'post-authentication'),
    customMessage: fn('customMessage', 'custom-message'),
    userMigration: fn('userMigration', 'user-migration'),
    preTokenGeneration,
  },
});
