import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

// Custom queries and mutations handled by AppSync JS resolvers: the NONE data source (the seeds'
// echo and publish/receive pub-sub), a model table as data source (a.ref('Post')), a pipeline of
// three handlers, util.error/appendError, and rules on custom operations.
const schema = a.schema({
  Channel: a.model({ name: a.string() }).authorization((allow) => [allow.publicApiKey()]),

  Post: a
    .model({
      title: a.string().required(),
      category: a.string(),
      ups: a.integer(),
      tags: a.string().array(),
    })
    .secondaryIndexes((index) => [index('category').sortKeys(['title']).name('byCategory').queryField('postsByCategory')])
    .authorization((allow) => [allow.publicApiKey()]),

  Message: a.customType({
    content: a.string().required(),
    channelName: a.string().required(),
  }),

  EchoResponse: a.customType({
    content: a.string(),
    executionDuration: a.float(),
  }),

  echo: a
    .query()
    .arguments({ content: a.string() })
    .returns(a.ref('EchoResponse'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ entry: './echo-handler.js' })),

  publish: a
    .mutation()
    .arguments({ channelName: a.string().required(), content: a.string().required() })
    .returns(a.ref('Message'))
    .handler(a.handler.custom({ entry: './publish.js' }))
    .authorization((allow) => [allow.publicApiKey()]),

  receive: a
    .subscription()
    .for(a.ref('publish'))
    .arguments({ namePrefix: a.string() })
    .handler(a.handler.custom({ entry: './receive.js' }))
    .authorization((allow) => [allow.publicApiKey()]),

  addPost: a
    .mutation()
    .arguments({ id: a.id(), title: a.string().required(), category: a.string(), tags: a.string().array() })
    .returns(a.ref('Post'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ dataSource: a.ref('Post'), entry: './addPost.js' })),

  getPostById: a
    .query()
    .arguments({ id: a.id().required() })
    .returns(a.ref('Post'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ dataSource: a.ref('Post'), entry: './getPost.ts' })),

  upvotePost: a
    .mutation()
    .arguments({ id: a.id().required(), by: a.integer(), tag: a.string() })
    .returns(a.ref('Post'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ dataSource: a.ref('Post'), entry: './upvotePost.js' })),

  removePost: a
    .mutation()
    .arguments({ id: a.id().required(), expectedTitle: a.string() })
    .returns(a.ref('Post'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ dataSource: a.ref('Post'), entry: './removePost.js' })),

  postsInCategory: a
    .query()
    .arguments({ category: a.string().required(), titlePrefix: a.string(), minUps: a.integer(), limit: a.integer() })
    .returns(a.ref('Post').array())
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ dataSource: a.ref('Post'), entry: './postsInCategory.js' })),

  countPosts: a
    .query()
    .arguments({ category: a.string() })
    .returns(a.integer())
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ dataSource: a.ref('Post'), entry: './countPosts.js' })),

  pipeline: a
    .query()
    .arguments({ n: a.integer().required() })
    .returns(a.string())
    .authorization((allow) => [allow.publicApiKey()])
    .handler([
      a.handler.custom({ entry: './pipeline/double.js' }),
      a.handler.custom({ entry: './pipeline/cap.js' }),
      a.handler.custom({ entry: './pipeline/describe.js' }),
    ]),

  fail: a
    .query()
    .arguments({ mode: a.string().required() })
    .returns(a.string())
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ entry: './fail.js' })),

  ExternalPost: a.customType({
    id: a.id().required(),
    author: a.string().required(),
    title: a.string(),
    ups: a.integer(),
    version: a.integer(),
  }),

  addExternalPost: a
    .mutation()
    .arguments({ id: a.id(), author: a.string().required(), title: a.string() })
    .returns(a.ref('ExternalPost'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ dataSource: 'ExternalPostTableDataSource', entry: './addExternalPost.js' })),

  getExternalPost: a
    .query()
    .arguments({ id: a.id().required() })
    .returns(a.ref('ExternalPost'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ dataSource: 'ExternalPostTableDataSource', entry: './getExternalPost.js' })),

  getExternalPosts: a
    .query()
    .arguments({ ids: a.id().required().array().required() })
    .returns(a.ref('ExternalPost').array())
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ dataSource: 'ExternalPostTableDataSource', entry: './getExternalPosts.js' })),

  whoami: a
    .query()
    .returns(a.string())
    .authorization((allow) => [allow.authenticated()])
    .handler(a.handler.custom({ entry: './whoami.js' })),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
