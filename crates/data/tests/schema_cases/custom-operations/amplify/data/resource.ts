import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { worker } from '../functions/worker/resource';

const schema = a.schema({
  Color: a.enum(['RED', 'GREEN']),
  Point: a.customType({
    x: a.float().required(),
    y: a.float().required(),
  }),
  Shape: a.customType({
    name: a.string(),
    origin: a.ref('Point'),
    color: a.ref('Color'),
  }),
  Stats: a.customType({
    count: a.integer(),
    last: a.ref('Point'),
  }),
  Todo: a
    .model({
      content: a.string(),
      shape: a.ref('Shape'),
    })
    .authorization((allow) => [allow.owner(), allow.publicApiKey().to(['read'])]),
  draw: a
    .mutation()
    .arguments({
      shape: a.ref('Shape').required(),
      points: a.ref('Point').array(),
      color: a.ref('Color'),
      mode: a.enum(['FILL', 'STROKE']),
      options: a.customType({ dashed: a.boolean(), width: a.integer() }),
    })
    .returns(a.customType({ ok: a.boolean(), area: a.float(), bounds: a.customType({ w: a.float(), h: a.float() }) }))
    .handler(a.handler.custom({ entry: './handler.js' }))
    .authorization((allow) => [allow.groups(['Admin', 'Editor']), allow.publicApiKey()]),
  stats: a
    .query()
    .arguments({ since: a.datetime() })
    .returns(a.ref('Stats').required())
    .handler(a.handler.function(worker))
    .authorization((allow) => [allow.authenticated(), allow.group('Admin')]),
  adminOnly: a
    .query()
    .returns(a.string().array())
    .handler(a.handler.custom({ entry: './handler.js' }))
    .authorization((allow) => [allow.group('Admin')]),
  kickOff: a
    .mutation()
    .arguments({ id: a.id().required() })
    .returns(a.ref('Todo'))
    .handler(a.handler.function(worker).async())
    .authorization((allow) => [allow.authenticated()]),
  onTodoChange: a
    .subscription()
    .for([a.ref('Todo').mutations(['create', 'update'])])
    .handler(a.handler.custom({ entry: './handler.js' }))
    .authorization((allow) => [allow.publicApiKey()]),
  onDraw: a
    .subscription()
    .for(a.ref('draw'))
    .arguments({ color: a.ref('Color') })
    .handler(a.handler.custom({ entry: './handler.js' }))
    .authorization((allow) => [allow.authenticated()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
