import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Status: a.enum(['ACTIVE', 'ARCHIVED']),
  Log: a
    .model({
      message: a.string(),
      status: a.ref('Status'),
      levels: a.ref('Status').array(),
    })
    .disableOperations(['mutations', 'list'])
    .authorization((allow) => [allow.publicApiKey()]),
  Event: a
    .model({
      name: a.string(),
      kind: a.string().required(),
    })
    .secondaryIndexes((index) => [index('kind')])
    .disableOperations(['queries', 'onDelete', 'update'])
    .authorization((allow) => [allow.publicApiKey()]),
  Metric: a
    .model({
      value: a.float(),
    })
    .disableOperations(['subscriptions', 'get'])
    .authorization((allow) => [allow.publicApiKey()]),
  Audit: a
    .model({
      action: a.string(),
    })
    .disableOperations(['onCreate', 'onUpdate', 'delete'])
    .authorization((allow) => [allow.publicApiKey(), allow.owner()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
