import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Blog: a.model({
      name: a.string().required(),
      posts: a.hasMany('Post', 'blogId'),
    }),
    Post: a.model({
      title: a.string().required(),
      blogId: a.id(),
      blog: a.belongsTo('Blog', 'blogId'),
      tags: a.hasMany('PostTag', 'postId'),
      meta: a.hasOne('PostMeta', 'postId'),
    }),
    PostMeta: a.model({
      postId: a.id(),
      post: a.belongsTo('Post', 'postId'),
      views: a.integer(),
    }),
    Tag: a.model({
      label: a.string().required(),
      posts: a.hasMany('PostTag', 'tagId'),
    }),
    PostTag: a.model({
      postId: a.id().required(),
      tagId: a.id().required(),
      post: a.belongsTo('Post', 'postId'),
      tag: a.belongsTo('Tag', 'tagId'),
    }),
    Customer: a
      .model({
        tenant: a.string().required(),
        customerNo: a.integer().required(),
        name: a.string(),
        orders: a.hasMany('Order', ['customerTenant', 'customerNo']),
      })
      .identifier(['tenant', 'customerNo']),
    Order: a
      .model({
        orderId: a.id().required(),
        customerTenant: a.string(),
        customerNo: a.integer(),
        customer: a.belongsTo('Customer', ['customerTenant', 'customerNo']),
      })
      .identifier(['orderId']),
    Node: a.model({
      parentId: a.id(),
      children: a.hasMany('Node', 'parentId'),
      parent: a.belongsTo('Node', 'parentId'),
    }),
  })
  .authorization((allow) => [allow.publicApiKey()]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: { defaultAuthorizationMode: 'apiKey' },
});
