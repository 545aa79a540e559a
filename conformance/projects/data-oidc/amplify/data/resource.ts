import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

// OIDC authorization with an external issuer (the seeds' data-auth-oidc rules). The issuer URL
// comes from the environment so the test can run its own issuer on a free port.
const issuer = process.env.AMPSTACK_TEST_OIDC_ISSUER ?? 'https://example.com';

const schema = a.schema({
  Todo: a
    .model({
      content: a.string(),
    })
    .authorization((allow) => [
      allow.owner('oidc').identityClaim('user_id'),
      allow.authenticated('oidc').to(['read']),
      allow.groups(['Editors'], 'oidc').withClaimIn('user_groups'),
    ]),

  // Realtime over OIDC: an owner-only model (each subscriber hears only their own records) and
  // a model only the Editors group may use (anyone else is refused at subscribe time).
  Diary: a
    .model({ text: a.string(), batch: a.string() })
    .authorization((allow) => [allow.owner('oidc').identityClaim('user_id')]),
  Board: a
    .model({ text: a.string(), batch: a.string() })
    .authorization((allow) => [allow.groups(['Editors'], 'oidc').withClaimIn('user_groups')]),

  Motto: a.customType({ text: a.string(), caller: a.string() }),

  motto: a
    .query()
    .returns(a.ref('Motto'))
    .authorization((allow) => [allow.authenticated('oidc')])
    .handler(a.handler.custom({ entry: './motto.js' })),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'oidc',
    oidcAuthorizationMode: {
      oidcProviderName: 'test-issuer',
      oidcIssuerUrl: issuer,
      clientId: 'ampstack-test-client',
      tokenExpiryFromAuthInSeconds: 3600,
      tokenExpireFromIssueInSeconds: 3600,
    },
  },
});
