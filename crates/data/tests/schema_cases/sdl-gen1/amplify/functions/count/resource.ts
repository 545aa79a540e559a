import { defineFunction } from '@aws-amplify/backend';

export const countFn = defineFunction({ name: 'countFn' });
