import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Color: a.enum(['RED', 'GREEN', 'BLUE']),
    Address: a.customType({
      street: a.string().required(),
      city: a.string(),
      geo: a.customType({ lat: a.float().required(), lng: a.float().required() }),
      kind: a.enum(['HOME', 'WORK']),
      tags: a.string().array(),
    }),
    Item: a.model({
      id: a.id().required(),
      s: a.string(),
      sr: a.string().required(),
      i: a.integer().default(5),
      f: a.float(),
      b: a.boolean().default(true),
      d: a.date(),
      t: a.time(),
      dt: a.datetime(),
      ts: a.timestamp(),
      e: a.email(),
      j: a.json(),
      p: a.phone(),
      u: a.url(),
      ip: a.ipAddress(),
      list1: a.string().array(),
      list2: a.string().required().array(),
      list3: a.string().array().required(),
      list4: a.string().required().array().required(),
      color: a.ref('Color'),
      colorReq: a.ref('Color').required(),
      colors: a.ref('Color').array(),
      colorsReq: a.ref('Color').required().array().required(),
      size: a.enum(['S', 'M', 'L']),
      address: a.ref('Address'),
      addresses: a.ref('Address').required().array(),
      dims: a.customType({ w: a.integer(), h: a.integer(), unit: a.enum(['CM', 'IN']) }),
      label: a.string().default('none'),
    }),
    Stamped: a.model({
      name: a.string(),
      createdAt: a.datetime(),
    }),
  })
  .authorization((allow) => [allow.publicApiKey()]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: { defaultAuthorizationMode: 'apiKey' },
});
