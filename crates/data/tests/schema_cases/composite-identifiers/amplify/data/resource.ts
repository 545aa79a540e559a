import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Priority: a.enum(['LOW', 'HIGH']),
  Shipment: a
    .model({
      warehouse: a.string().required(),
      region: a.string().required(),
      shippedOn: a.date().required(),
      sequence: a.integer().required(),
      priority: a.ref('Priority').required(),
      label: a.string(),
      weight: a.float(),
      items: a.hasMany('ShipmentItem', ['shipmentWarehouse', 'shipmentRegion', 'shipmentShippedOn', 'shipmentSequence']),
    })
    .identifier(['warehouse', 'region', 'shippedOn', 'sequence'])
    .secondaryIndexes((index) => [
      index('label').sortKeys(['priority', 'weight']).name('byLabel'),
      index('priority').sortKeys(['shippedOn']),
      index('region').queryField(null),
    ])
    .authorization((allow) => [allow.publicApiKey()]),
  ShipmentItem: a
    .model({
      id: a.id().required(),
      shipmentWarehouse: a.string(),
      shipmentRegion: a.string(),
      shipmentShippedOn: a.date(),
      shipmentSequence: a.integer(),
      shipment: a.belongsTo('Shipment', ['shipmentWarehouse', 'shipmentRegion', 'shipmentShippedOn', 'shipmentSequence']),
      sku: a.string().required(),
    })
    .secondaryIndexes((index) => [index('sku')])
    .authorization((allow) => [allow.publicApiKey(), allow.authenticated()]),
  Counter: a
    .model({
      name: a.string().required(),
      bucket: a.integer().required(),
      value: a.integer(),
    })
    .identifier(['name', 'bucket'])
    .authorization((allow) => [allow.owner()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
