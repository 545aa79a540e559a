import { defineData } from '@aws-amplify/backend';

const schema = /* GraphQL */ `
  type Order @model @auth(rules: [{ allow: public, provider: apiKey }, { allow: groups, groupsField: "teams", operations: [read, update] }]) {
    customerId: ID! @primaryKey(sortKeyFields: ["placedAt"])
    placedAt: AWSDateTime!
    total: Float @default(value: "0")
    status: String @index(name: "byStatus", sortKeyFields: ["placedAt"], queryField: "ordersByStatus")
    teams: [String]
    lines: [OrderLine] @hasMany(references: ["orderCustomerId", "orderPlacedAt"])
    invoice: Invoice @hasOne(references: ["orderCustomerId", "orderPlacedAt"])
  }

  type OrderLine @model @auth(rules: [{ allow: public, provider: apiKey }]) {
    id: ID! @primaryKey
    orderCustomerId: ID
    orderPlacedAt: AWSDateTime
    order: Order @belongsTo(references: ["orderCustomerId", "orderPlacedAt"])
    sku: String!
  }

  type Invoice @model @auth(rules: [{ allow: public, provider: apiKey }, { allow: private, provider: userPools }]) {
    orderCustomerId: ID
    orderPlacedAt: AWSDateTime
    order: Order @belongsTo(references: ["orderCustomerId", "orderPlacedAt"])
    createdAt: AWSDateTime
  }
`;

export const data = defineData({
  schema,
  authorizationModes: { defaultAuthorizationMode: 'apiKey', apiKeyAuthorizationMode: { expiresInDays: 30 } },
});
