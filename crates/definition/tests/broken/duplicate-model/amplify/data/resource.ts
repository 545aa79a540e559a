import { a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Todo: a.model({ content: a.string() }).authorization((allow) => [allow.owner()]),
  Todo: a.model({ title: a.string() }).authorization((allow) => [allow.owner()]),
});
export const data = defineData({ schema });
