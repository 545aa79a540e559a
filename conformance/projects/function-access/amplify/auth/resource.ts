import { defineAuth } from '@aws-amplify/backend';
import { prober } from '../functions/resource';

export const auth = defineAuth({
  loginWith: { email: true },
  access: (allow) => [allow.resource(prober).to(['listUsers'])],
});
