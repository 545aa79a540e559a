import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Reading: a
    .model({
      value: a.float(),
    })
    .disableOperations(['mutations', 'subscriptions'])
    .authorization((allow) => [allow.publicApiKey()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
  },
});
