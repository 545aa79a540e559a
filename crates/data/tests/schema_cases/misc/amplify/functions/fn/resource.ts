import { defineFunction } from '@aws-amplify/backend';

export const fn = defineFunction({ name: 'fn' });
