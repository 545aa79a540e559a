import { defineFunction } from '@aws-amplify/backend';

// Both run the same probe; only `prober` is granted anything (storage paths, auth actions).
export const prober = defineFunction({ name: 'prober', entry: './prober/handler.ts' });
export const outsider = defineFunction({ name: 'outsider', entry: './prober/handler.ts' });
