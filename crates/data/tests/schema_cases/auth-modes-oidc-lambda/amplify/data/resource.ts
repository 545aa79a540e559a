import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { authorizer } from '../functions/authorizer/resource';

const schema = a.schema({
  Note: a
    .model({
      body: a.string(),
      secret: a.string().authorization((allow) => [allow.custom()]),
    })
    .authorization((allow) => [
      allow.owner('oidc').identityClaim('user_id'),
      allow.authenticated('oidc').to(['read']),
      allow.custom(),
      allow.groupsDefinedIn('team', 'oidc').withClaimIn('teams'),
      allow.guest(),
    ]),
  Board: a
    .model({
      title: a.string(),
    })
    .authorization((allow) => [allow.custom().to(['read']), allow.groups(['Moderators'], 'oidc').withClaimIn('roles')]),
  ping: a
    .query()
    .returns(a.string())
    .handler(a.handler.custom({ entry: './handler.js' }))
    .authorization((allow) => [allow.custom(), allow.authenticated('oidc')]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'lambda',
    lambdaAuthorizationMode: { function: authorizer, timeToLiveInSeconds: 300 },
    oidcAuthorizationMode: {
      oidcProviderName: 'Example',
      oidcIssuerUrl: 'https://issuer.example.com',
      clientId: 'client',
      tokenExpiryFromAuthInSeconds: 300,
      tokenExpireFromIssueInSeconds: 600,
    },
  },
});
