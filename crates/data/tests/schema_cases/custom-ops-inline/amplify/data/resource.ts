import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { fn } from '../functions/fn/resource';

const schema = a.schema({
  Shape: a.enum(['CIRCLE', 'SQUARE']),
  Dims: a.customType({ w: a.float(), h: a.float(), shape: a.ref('Shape') }),
  Widget: a
    .model({
      name: a.string().required(),
      kind: a.enum(['SMALL', 'LARGE']),
      ownerName: a.string(),
      owner: a.string(),
      parts: a.hasMany('Part', 'widgetId'),
      profile: a.hasOne('WidgetProfile', 'widgetId'),
    })
    .secondaryIndexes((index) => [index('kind').sortKeys(['name'])])
    .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),
  Part: a
    .model({
      widgetId: a.id().required(),
      widget: a.belongsTo('Widget', 'widgetId'),
      label: a.string(),
    })
    .authorization((allow) => [allow.authenticated()]),
  WidgetProfile: a
    .model({
      widgetId: a.id(),
      widget: a.belongsTo('Widget', 'widgetId'),
      bio: a.string(),
    })
    .authorization((allow) => [allow.authenticated()]),
  createWidgets: a
    .mutation()
    .arguments({
      spec: a.customType({
        name: a.string().required(),
        size: a.customType({ w: a.integer(), h: a.integer() }),
        finish: a.enum(['MATTE', 'GLOSS']),
        dims: a.ref('Dims'),
      }),
      shapes: a.ref('Shape').required().array(),
      many: a.ref('Dims').array().required(),
    })
    .returns(a.customType({ created: a.integer().required(), ids: a.id().required().array().required() }))
    .authorization((allow) => [allow.authenticated()])
    .handler(a.handler.function(fn)),
  widgetsFor: a
    .query()
    .arguments({ names: a.string().required().array().required() })
    .returns(a.ref('Widget').array())
    .authorization((allow) => [allow.authenticated()])
    .handler(a.handler.function(fn)),
  onWidgets: a
    .subscription()
    .for(a.ref('createWidgets'))
    .authorization((allow) => [allow.authenticated()])
    .handler(a.handler.custom({ entry: './receive.js' })),
  onWidgetChange: a
    .subscription()
    .for([a.ref('Widget').mutations(['update', 'delete'])])
    .arguments({ name: a.string() })
    .authorization((allow) => [allow.authenticated()])
    .handler(a.handler.custom({ entry: './receive.js' })),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({ schema });
