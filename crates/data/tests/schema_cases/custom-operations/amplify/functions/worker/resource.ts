import { defineFunction } from '@aws-amplify/backend';

export const worker = defineFunction({ name: 'worker' });
