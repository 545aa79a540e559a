import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Level: a.enum(['LOW', 'MID', 'HIGH']),
  Geo: a.customType({
    lat: a.float().required(),
    lng: a.float().required(),
  }),
  Place: a.customType({
    label: a.string(),
    geo: a.ref('Geo'),
    level: a.ref('Level'),
  }),
  Venue: a
    .model({
      name: a.string().required(),
      place: a.ref('Place'),
      backup: a.ref('Place'),
      levels: a.ref('Level').array(),
      kind: a.enum(['INDOOR', 'OUTDOOR']),
      meta: a.customType({ capacity: a.integer(), tags: a.string().array() }),
      owner: a.string(),
      website: a.url(),
      stamp: a.timestamp(),
      data: a.json(),
      ip: a.ipAddress(),
      phone: a.phone(),
      email: a.email(),
      opens: a.time(),
      big: a.integer().array().required(),
      gigs: a.hasMany('Gig', 'venueId'),
      manager: a.hasOne('Manager', 'venueId'),
    })
    .authorization((allow) => [allow.owner(), allow.publicApiKey().to(['read'])]),
  Gig: a
    .model({
      venueId: a.id(),
      venue: a.belongsTo('Venue', 'venueId'),
      place: a.ref('Place'),
      level: a.ref('Level').required(),
      title: a.string().default('untitled'),
    })
    .authorization((allow) => [allow.guest(), allow.authenticated('identityPool')]),
  Manager: a
    .model({
      venueId: a.id(),
      venue: a.belongsTo('Venue', 'venueId'),
      name: a.string(),
      geo: a.ref('Geo'),
    })
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
