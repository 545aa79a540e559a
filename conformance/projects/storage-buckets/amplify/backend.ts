import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';
import { mediaFiles, archive } from './storage/resource';

defineBackend({ auth, data, mediaFiles, archive });
