import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';
import { fn } from './functions/fn/resource';

defineBackend({ auth, data, fn });
