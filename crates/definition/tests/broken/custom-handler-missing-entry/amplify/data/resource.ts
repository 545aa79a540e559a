import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  echo: a
    .query()
    .arguments({ content: a.string() })
    .returns(a.string())
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ entry: './echo-handler.js' })),
});

export type Schema = ClientSchema<typeof schema>;
export const data = defineData({ schema, authorizationModes: { defaultAuthorizationMode: 'apiKey' } });
