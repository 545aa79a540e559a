import { a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  echo: a.query()
    .arguments({ content: a.string() })
    .returns(a.string())
    .authorization((allow) => [allow.owner()])
    .handler(a.handler.custom({ entry: './echo.js' })),
});
export const data = defineData({ schema });
