import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { echo } from '../functions/echo/resource';
import { worker } from '../functions/worker/resource';

const schema = a.schema({
  Mood: a.enum(['HAPPY', 'SAD']),
  EchoResponse: a.customType({
    content: a.string(),
    executionDuration: a.float(),
  }),
  Point: a.customType({
    x: a.float().required(),
    y: a.float().required(),
    label: a.customType({ text: a.string() }),
  }),
  Message: a.model({
    channel: a.string().required(),
    text: a.string(),
  }).authorization((allow) => [allow.publicApiKey()]),
  echo: a
    .query()
    .arguments({ content: a.string().required(), times: a.integer(), mood: a.ref('Mood'), tags: a.string().array().required() })
    .returns(a.ref('EchoResponse'))
    .authorization((allow) => [allow.authenticated(), allow.publicApiKey()])
    .handler(a.handler.function(echo)),
  listEchoes: a
    .query()
    .returns(a.ref('EchoResponse').required().array())
    .authorization((allow) => [allow.group('Admins')])
    .handler(a.handler.function(echo)),
  stats: a
    .query()
    .arguments({ level: a.enum(['LOW', 'HIGH']) })
    .returns(a.customType({ count: a.integer().required(), ratio: a.float() }))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.function(echo)),
  pick: a
    .query()
    .returns(a.enum(['ONE', 'TWO']))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.function(echo)),
  distance: a
    .query()
    .arguments({ from: a.ref('Point').required(), to: a.ref('Point') })
    .returns(a.float())
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.function(echo)),
  publish: a
    .mutation()
    .arguments({ channel: a.string().required(), text: a.string() })
    .returns(a.ref('Message'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ entry: './publish.js' })),
  kickOff: a
    .mutation()
    .arguments({ jobId: a.id().required() })
    .authorization((allow) => [allow.authenticated()])
    .handler(a.handler.function(worker).async()),
  receive: a
    .subscription()
    .for(a.ref('publish'))
    .arguments({ channel: a.string() })
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ entry: './receive.js' })),
  onMessage: a
    .subscription()
    .for(a.ref('Message').mutations(['create', 'update']))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ entry: './receive.js' })),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
