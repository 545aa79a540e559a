import { defineData } from '@aws-amplify/backend';

const schema = /* GraphQL */ `
  type Coords {
    lat: Float
    lng: Float
  }

  type Place @model @auth(rules: [{ allow: public, provider: iam, operations: [read] }, { allow: owner, ownerField: "editors" }]) {
    name: String!
    coords: Coords
    kind: String @index(name: "byKind", queryField: "placesByKind")
    editors: [String]
    notes: String @auth(rules: [{ allow: owner, ownerField: "editors", operations: [update, read] }, { allow: public, provider: iam, operations: [read] }])
  }

  type Review @model @auth(rules: [{ allow: public }]) {
    placeId: ID!
    stars: Int
    comment: String @auth(rules: [{ allow: public, operations: [read] }])
  }
`;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 7 },
  },
});
