import { a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Todo: a.model({ content: a.string( }),
});
export const data = defineData({ schema });
