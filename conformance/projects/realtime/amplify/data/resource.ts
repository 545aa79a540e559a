import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { publishMessage } from '../functions/publish/resource';

// The realtime conformance project: the docs' Todo (owner rules, API key reads) plus a model
// with a relationship and an owner-only field, for subscription filters, owner isolation,
// redaction and observeQuery.
const schema = a.schema({
  Todo: a
    .model({
      content: a.string(),
      status: a.enum(['OPEN', 'DONE']),
      priority: a.integer(),
      batch: a.string(),
      secret: a.string().authorization((allow) => [allow.owner()]),
      listId: a.id(),
      list: a.belongsTo('TodoList', 'listId'),
    })
    .authorization((allow) => [allow.owner(), allow.publicApiKey().to(['read'])]),
  TodoList: a
    .model({ name: a.string(), todos: a.hasMany('Todo', 'listId') })
    .authorization((allow) => [allow.publicApiKey()]),
  Message: a
    .model({ channel: a.string(), text: a.string(), batch: a.string() })
    .authorization((allow) => [allow.publicApiKey(), allow.guest().to(['read'])]),
  Secret: a.model({ text: a.string() }).authorization((allow) => [allow.owner()]),
  // Static and dynamic group rules decide who listens (writes come with the API key).
  EditorNote: a
    .model({ text: a.string(), batch: a.string() })
    .authorization((allow) => [allow.publicApiKey(), allow.groups(['Editors'])]),
  SharedNote: a
    .model({ text: a.string(), batch: a.string(), editors: a.string().array() })
    .authorization((allow) => [allow.publicApiKey(), allow.groupsDefinedIn('editors')]),
  // A custom subscription on a model mutation; its argument filters by the field of that name.
  onChannelMessage: a
    .subscription()
    .for(a.ref('Message').mutations(['create', 'update']))
    .arguments({ channel: a.string() })
    .handler(a.handler.custom({ entry: './receive.js' }))
    .authorization((allow) => [allow.publicApiKey()]),
  // The docs' PubSub: a custom mutation (function handler) and a custom subscription on it.
  Post: a.customType({ channelName: a.string().required(), content: a.string().required() }),
  publish: a
    .mutation()
    .arguments({ channelName: a.string().required(), content: a.string().required() })
    .returns(a.ref('Post'))
    .handler(a.handler.function(publishMessage))
    .authorization((allow) => [allow.publicApiKey()]),
  receive: a
    .subscription()
    .for(a.ref('publish'))
    .arguments({ channelName: a.string() })
    .handler(a.handler.custom({ entry: './receive.js' }))
    .authorization((allow) => [allow.publicApiKey()]),
  // The same, filtered by the handler itself (extensions.setSubscriptionFilter).
  receiveByPrefix: a
    .subscription()
    .for(a.ref('publish'))
    .arguments({ namePrefix: a.string() })
    .handler(a.handler.custom({ entry: './receive-prefix.js' }))
    .authorization((allow) => [allow.publicApiKey()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
