import { defineBackend } from '@aws-amplify/backend';
import { data } from './data/nope';

defineBackend({ data });
