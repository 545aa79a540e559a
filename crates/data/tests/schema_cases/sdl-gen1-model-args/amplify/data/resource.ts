import { defineData } from '@aws-amplify/backend';

const schema = /* GraphQL */ `
  type Quiet @model(subscriptions: null, mutations: { delete: null }) @auth(rules: [{ allow: public }]) {
    name: String
  }

  type Dated @model(timestamps: { createdAt: "createdOn", updatedAt: null }) @auth(rules: [{ allow: public }]) {
    name: String
  }

  type Plain @model(timestamps: null) @auth(rules: [{ allow: public }]) {
    name: String
  }
`;

export const data = defineData({
  schema,
  authorizationModes: { defaultAuthorizationMode: 'apiKey', apiKeyAuthorizationMode: { expiresInDays: 30 } },
});
