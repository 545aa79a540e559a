import { defineFunction } from '@aws-amplify/backend';

// The docs' PubSub publish mutation: returns its arguments as the published message.
export const publishMessage = defineFunction({ name: 'publish-message', entry: './handler.ts' });
