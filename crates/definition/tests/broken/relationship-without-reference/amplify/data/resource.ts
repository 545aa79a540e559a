import { a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Post: a.model({
    comments: a.hasMany('Comment', 'postId'),
  }),
  Comment: a.model({
    content: a.string(),
    post: a.belongsTo('Post', 'postId'),
  }),
}).authorization((allow) => [allow.owner()]);
export const data = defineData({ schema });
