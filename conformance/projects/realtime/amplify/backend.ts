import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';
import { publishMessage } from './functions/publish/resource';

defineBackend({ auth, data, publishMessage });
