import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  // The TodoList of the seeds, each signed-in user seeing only their own todos.
  Todo: a
    .model({
      content: a.string(),
      isDone: a.boolean(),
    })
    .authorization((allow) => [allow.owner()]),

  // "Working with files/attachments" (seed 003): a record that points at a file in Storage. As in
  // the seed the record is public through the API key; the file itself needs a signed-in user.
  Song: a
    .model({
      name: a.string().required(),
      coverArtPath: a.string(),
    })
    .authorization((allow) => [allow.publicApiKey()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
