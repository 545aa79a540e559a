import { defineData } from '@aws-amplify/backend';

const schema = /* GraphQL */ `
  type Todo @model @auth(rules: [{ allow: owner }]) {
    content: String
  }

  type Todo @model @auth(rules: [{ allow: owner }]) {
    title: String
  }
`;
export const data = defineData({ schema });
