import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';

const backend = defineBackend({ auth });

// The documented escape hatch for sign-in with a username: email stays a required, verified
// attribute but is no longer what users sign in with.
const { cfnUserPool } = backend.auth.resources.cfnResources;
cfnUserPool.usernameAttributes = [];
