import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Address: a.customType({
    street: a.string(),
    city: a.string(),
  }),
  Profile: a
    .model({
      name: a.string(),
      bio: a.string().authorization((allow) => [allow.publicApiKey().to(['read']), allow.owner()]),
      salary: a.float().authorization((allow) => [allow.group('Admin'), allow.ownerDefinedIn('manager').to(['read'])]),
      manager: a.string(),
      address: a.ref('Address'),
      notes: a.string().authorization((allow) => [allow.ownersDefinedIn('editors')]),
      editors: a.string().array(),
      internal: a.string().authorization((allow) => [allow.guest().to(['read']), allow.authenticated('identityPool')]),
    })
    .authorization((allow) => [
      allow.owner(),
      allow.authenticated().to(['read']),
      allow.groups(['Admin', 'Editor']),
      allow.groupsDefinedIn('teams'),
    ]),
  Ticket: a
    .model({
      title: a.string(),
      status: a.enum(['OPEN', 'CLOSED']),
      tags: a.string().array(),
      assignees: a.string().array(),
      location: a.ref('Address'),
    })
    .authorization((allow) => [
      allow.ownersDefinedIn('assignees').identityClaim('email'),
      allow.publicApiKey().to(['read']),
      allow.guest().to(['create']),
      allow.group('Admin').to(['delete']),
    ]),
  Secret: a
    .model({
      value: a.string(),
    })
    .authorization((allow) => [allow.owner().to(['create', 'read'])]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
