import { defineFunction } from '@aws-amplify/backend';

export const echo = defineFunction({ name: 'echo' });
