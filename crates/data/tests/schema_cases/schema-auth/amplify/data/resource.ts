import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Shared: a.model({ x: a.string() }),
    Own: a.model({ y: a.string() }).authorization((allow) => [allow.owner(), allow.guest().to(['read'])]),
  })
  .authorization((allow) => [allow.authenticated().to(['read']), allow.publicApiKey()]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: { defaultAuthorizationMode: 'userPool', apiKeyAuthorizationMode: { expiresInDays: 7 } },
});
