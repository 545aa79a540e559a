import { a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Note: a.model({ body: a.string() }),
});
export const data = defineData({ schema });
