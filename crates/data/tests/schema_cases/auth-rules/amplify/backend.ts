import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';
import { authorizer } from './functions/authorizer/resource';

defineBackend({ auth, data, authorizer });
