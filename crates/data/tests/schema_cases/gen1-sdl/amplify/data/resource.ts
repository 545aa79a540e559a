import { defineData } from '@aws-amplify/backend';
import { countPosts } from '../functions/count-posts/resource';

const schema = /* GraphQL */ `
  enum Category {
    BOOK
    MUSIC
  }

  type Dimensions {
    width: Float
    height: Float
  }

  type Blog @model @auth(rules: [{ allow: public, provider: apiKey, operations: [read] }, { allow: owner }]) {
    id: ID!
    name: String!
    category: Category
    posts: [Post] @hasMany(references: ["blogId"])
  }

  type Post @model @auth(rules: [{ allow: owner, ownerField: "author" }, { allow: groups, groups: ["Admin"] }, { allow: public, provider: apiKey, operations: [read] }]) {
    slug: String! @primaryKey(sortKeyFields: ["publishedOn"])
    publishedOn: AWSDate!
    title: String! @index(name: "byTitle", queryField: "postsByTitle")
    blogId: ID @index(name: "byBlog", sortKeyFields: ["title"], queryField: "postsByBlog")
    blog: Blog @belongsTo(references: ["blogId"])
    author: String
    size: Dimensions
    views: Int @default(value: "0")
    body: String @auth(rules: [{ allow: owner, ownerField: "author" }])
  }

  type Query {
    postCount(blogId: ID!): Int @function(name: "countPosts") @auth(rules: [{ allow: public, provider: apiKey }, { allow: private }])
  }
`;

export const data = defineData({
  schema,
  functions: { countPosts },
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
