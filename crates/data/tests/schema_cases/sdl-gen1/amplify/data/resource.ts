import { defineData } from '@aws-amplify/backend';
import { countFn } from '../functions/count/resource';

const schema = /* GraphQL */ `
  enum Priority {
    LOW
    HIGH
  }

  type Location {
    lat: Float!
    lng: Float!
  }

  type Todo @model @auth(rules: [{ allow: owner }, { allow: public, operations: [read] }, { allow: groups, groups: ["Admins"] }]) {
    id: ID!
    content: String!
    done: Boolean
    priority: Priority
    where: Location
    notes: [String!]
    listId: ID @index(name: "byList", sortKeyFields: ["content"])
    list: TodoList @belongsTo(references: ["listId"])
  }

  type TodoList @model @auth(rules: [{ allow: private, provider: iam }, { allow: owner, ownerField: "owners", identityClaim: "sub" }]) {
    id: ID!
    name: String!
    owners: [String]
    todos: [Todo] @hasMany(references: ["listId"])
  }

  type Query {
    countTodos(done: Boolean): Int @function(name: "countFn") @auth(rules: [{ allow: private }])
  }
`;

export const data = defineData({
  schema,
  functions: { countFn },
  authorizationModes: { defaultAuthorizationMode: 'userPool', apiKeyAuthorizationMode: { expiresInDays: 30 } },
});
