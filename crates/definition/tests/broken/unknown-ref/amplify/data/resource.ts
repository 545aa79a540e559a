import { a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Todo: a.model({
    content: a.string(),
    priority: a.ref('Priority'),
  }).authorization((allow) => [allow.publicApiKey()]),
});
export const data = defineData({ schema, authorizationModes: { defaultAuthorizationMode: 'apiKey' } });
