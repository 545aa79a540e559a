import { defineAuth, defineFunction } from '@aws-amplify/backend';

// Cognito triggers: preSignUp auto-confirms one domain and refuses another, postConfirmation
// logs the confirmed user, preTokenGeneration adds and suppresses id token claims.
export const preSignUp = defineFunction({ name: 'preSignUp', entry: '../functions/pre-sign-up/handler.ts' });
export const postConfirmation = defineFunction({ name: 'postConfirmation', entry: '../functions/post-confirmation/handler.ts' });
export const preTokenGeneration = defineFunction({ name: 'preTokenGeneration', entry: '../functions/pre-token/handler.ts' });

export const auth = defineAuth({
  loginWith: { email: true },
  userAttributes: { nickname: { required: false, mutable: true } },
  triggers: { preSignUp, postConfirmation, preTokenGeneration },
});
