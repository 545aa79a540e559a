import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Doc: a
    .model({
      title: a.string().required(),
    })
    .authorization((allow) => [
      allow.ownersDefinedIn('authors'),
      allow.groupsDefinedIn('teams'),
      allow.ownerDefinedIn('creator').to(['read', 'delete']),
      allow.guest().to(['read']),
    ]),
  Empty: a.model({ n: a.integer() }).authorization((allow) => [allow.authenticated(), allow.publicApiKey().to(['read'])]),
  Flag: a
    .model({
      on: a.boolean(),
      score: a.integer().authorization((allow) => [allow.authenticated().to(['read'])]),
    })
    .authorization((allow) => [allow.owner(), allow.group('Admin').to(['read', 'update'])]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'identityPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
