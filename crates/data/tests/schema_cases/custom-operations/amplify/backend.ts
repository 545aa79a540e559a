import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';
import { worker } from './functions/worker/resource';

defineBackend({
  auth,
  data,
  worker,
});
