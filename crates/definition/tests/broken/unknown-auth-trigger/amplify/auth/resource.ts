import { defineAuth, defineFunction } from '@aws-amplify/backend';

const hook = defineFunction({ name: 'hook', entry: '../functions/hook/handler.ts' });

// A misspelt trigger name (Cognito has preAuthentication, no preSignIn).
export const auth = defineAuth({
  loginWith: { email: true },
  triggers: { preSignIn: hook },
});
