import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { echo, whoAmI, adder, thrower, slow, double, addOne, noteWriter, noteCounter, ticker, authorizer } from '../functions/resource';

const schema = a
  .schema({
    EchoResponse: a.customType({
      content: a.string(),
      kind: a.string(),
      greeting: a.string(),
      functionName: a.string(),
      remainingOk: a.boolean(),
      selection: a.string().array(),
    }),
    Note: a.model({ content: a.string(), source: a.string() }).authorization((allow) => [allow.publicApiKey()]),
    Vault: a.model({ secret: a.string() }).authorization((allow) => [allow.custom()]),
    echo: a.query().arguments({ content: a.string() }).returns(a.ref('EchoResponse')).authorization((allow) => [allow.publicApiKey()]).handler(a.handler.function(echo)),
    whoAmI: a.query().returns(a.json()).authorization((allow) => [allow.publicApiKey(), allow.custom()]).handler(a.handler.function(whoAmI)),
    add: a.query().arguments({ a: a.integer(), b: a.integer() }).returns(a.integer()).authorization((allow) => [allow.publicApiKey()]).handler(a.handler.function(adder)),
    failHard: a.mutation().arguments({ reason: a.string() }).returns(a.string()).authorization((allow) => [allow.publicApiKey()]).handler(a.handler.function(thrower)),
    slowOp: a.query().returns(a.string()).authorization((allow) => [allow.publicApiKey()]).handler(a.handler.function(slow)),
    pipeline: a
      .mutation()
      .arguments({ value: a.integer() })
      .returns(a.integer())
      .authorization((allow) => [allow.publicApiKey()])
      .handler([a.handler.function(double), a.handler.function(addOne)]),
    recordNote: a.mutation().arguments({ content: a.string().required() }).authorization((allow) => [allow.publicApiKey()]).handler(a.handler.function(noteWriter).async()),
    countNotes: a.query().arguments({ source: a.string() }).returns(a.integer()).authorization((allow) => [allow.publicApiKey()]).handler(a.handler.function(noteCounter)),
  })
  .authorization((allow) => [allow.resource(noteWriter), allow.resource(noteCounter), allow.resource(ticker)]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
    lambdaAuthorizationMode: { function: authorizer, timeToLiveInSeconds: 0 },
  },
});
