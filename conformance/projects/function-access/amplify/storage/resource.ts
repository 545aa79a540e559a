import { defineStorage } from '@aws-amplify/backend';
import { prober } from '../functions/resource';

export const storage = defineStorage({
  name: 'fnFiles',
  access: (allow) => ({
    'reports/*': [allow.resource(prober).to(['read'])],
    'inbox/*': [allow.resource(prober).to(['write'])],
  }),
});
