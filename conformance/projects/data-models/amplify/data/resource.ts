import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

// The data runtime's test project: every scalar, defaults, custom and composite identifiers, a
// numeric sort key, a secondary index with a sort key, every relationship kind, and auth rules.
const schema = a.schema({
  Status: a.enum(['OPEN', 'DONE']),
  Address: a.customType({ street: a.string(), zip: a.string(), meta: a.json() }),

  Todo: a
    .model({
      content: a.string().required(),
      priority: a.integer().default(3),
      score: a.float(),
      done: a.boolean().default(false),
      status: a.ref('Status'),
      tags: a.string().array(),
      meta: a.json(),
      due: a.date(),
      alarm: a.time(),
      when: a.datetime(),
      stamp: a.timestamp(),
      email: a.email(),
      phone: a.phone(),
      site: a.url(),
      ip: a.ipAddress(),
      address: a.ref('Address'),
      batch: a.string(),
    })
    .secondaryIndexes((index) => [index('batch').sortKeys(['priority']).queryField('todosByBatch')]),

  Author: a.model({
    name: a.string().required(),
    posts: a.hasMany('Post', 'authorId'),
  }),
  Post: a.model({
    title: a.string().required(),
    authorId: a.id(),
    author: a.belongsTo('Author', 'authorId'),
    comments: a.hasMany('Comment', 'postId'),
    details: a.hasOne('PostDetails', 'postId'),
    tags: a.hasMany('PostTag', 'postId'),
  }),
  Comment: a.model({
    body: a.string().required(),
    postId: a.id(),
    post: a.belongsTo('Post', 'postId'),
  }),
  PostDetails: a.model({
    views: a.integer(),
    postId: a.id(),
    post: a.belongsTo('Post', 'postId'),
  }),
  Tag: a.model({
    name: a.string().required(),
    posts: a.hasMany('PostTag', 'tagId'),
  }),
  PostTag: a.model({
    postId: a.id().required(),
    tagId: a.id().required(),
    post: a.belongsTo('Post', 'postId'),
    tag: a.belongsTo('Tag', 'tagId'),
  }),

  Product: a.model({ sku: a.string().required(), name: a.string() }).identifier(['sku']),
  StoreBranch: a
    .model({ geoId: a.id().required(), name: a.string().required(), city: a.string() })
    .identifier(['geoId', 'name']),
  Reading: a
    .model({ sensor: a.string().required(), at: a.integer().required(), value: a.float() })
    .identifier(['sensor', 'at']),

  Note: a
    .model({ text: a.string(), owner: a.string(), secret: a.string().authorization((allow) => [allow.owner()]) })
    .authorization((allow) => [allow.owner(), allow.publicApiKey().to(['read'])]),
  Draft: a.model({ text: a.string() }).authorization((allow) => [allow.owner(), allow.group('ADMINS')]),
  Memo: a
    .model({ text: a.string() })
    .authorization((allow) => [allow.authenticated().to(['read']), allow.owner(), allow.guest().to(['read'])]),
  Doc: a.model({ title: a.string(), editors: a.string().array() }).authorization((allow) => [allow.ownersDefinedIn('editors')]),
  Board: a
    .model({ name: a.string(), team: a.string(), teams: a.string().array() })
    .authorization((allow) => [allow.groupDefinedIn('team'), allow.groupsDefinedIn('teams').to(['read'])]),
}).authorization((allow) => [allow.publicApiKey()]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
