import { defineAuth } from '@aws-amplify/backend';

// Phone-number sign-in with optional SMS or TOTP MFA and passwordless SMS codes (USER_AUTH
// SMS_OTP). No accountRecovery: Amplify's default for phone sign-in, PHONE_ONLY_WITHOUT_MFA.
// conformance/client/auth-phone.test.mjs rewrites this file for its email-and-phone variant.
export const auth = defineAuth({
  loginWith: { phone: { otpLogin: true } },
  multifactor: { mode: 'OPTIONAL', sms: true, totp: true },
});
