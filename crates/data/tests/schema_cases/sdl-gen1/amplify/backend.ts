import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';
import { countFn } from './functions/count/resource';

defineBackend({ auth, data, countFn });
