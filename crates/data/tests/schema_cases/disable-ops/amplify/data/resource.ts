import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    A: a.model({ x: a.string() }).disableOperations(['subscriptions']),
    B: a.model({ x: a.string() }).disableOperations(['create', 'onUpdate', 'list']),
    C: a.model({ x: a.string() }).disableOperations(['mutations', 'delete', 'queries', 'onCreate']),
  })
  .authorization((allow) => [allow.publicApiKey()]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: { defaultAuthorizationMode: 'apiKey' },
});
