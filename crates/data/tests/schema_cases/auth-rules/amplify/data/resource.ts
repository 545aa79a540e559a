import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { authorizer } from '../functions/authorizer/resource';

const schema = a.schema({
  Note: a
    .model({
      title: a.string().required(),
      body: a.string(),
      secret: a.string().authorization((allow) => [allow.owner(), allow.groups(['Admins'])]),
      author: a.string(),
      editors: a.string().array(),
      tenantGroup: a.string(),
      viewerGroups: a.string().array(),
    })
    .authorization((allow) => [
      allow.owner(),
      allow.ownerDefinedIn('author').to(['read', 'update']),
      allow.ownersDefinedIn('editors').identityClaim('email'),
      allow.group('Admins'),
      allow.groups(['Editors', 'Reviewers']).withClaimIn('custom:groups').to(['read']),
      allow.groupDefinedIn('tenantGroup'),
      allow.groupsDefinedIn('viewerGroups').to(['read']),
      allow.publicApiKey().to(['read']),
      allow.guest().to(['read']),
      allow.authenticated(),
      allow.authenticated('identityPool').to(['create', 'read']),
    ]),
  Memo: a
    .model({
      text: a.string(),
    })
    .authorization((allow) => [allow.owner('userPools').to(['create', 'read', 'delete']), allow.authenticated('userPools').to(['read']), allow.owner('oidc').identityClaim('sub').to(['read']), allow.authenticated('oidc').to(['read']), allow.groups(['Ops'], 'oidc').withClaimIn('roles')]),
  Locked: a
    .model({
      value: a.integer(),
    })
    .authorization((allow) => [allow.custom(), allow.owner().identityClaim('username')]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
    lambdaAuthorizationMode: { function: authorizer, timeToLiveInSeconds: 300 },
    oidcAuthorizationMode: { oidcProviderName: 'Corp', oidcIssuerUrl: 'https://issuer.example.com', clientId: 'client', tokenExpiryFromAuthInSeconds: 300, tokenExpireFromIssueInSeconds: 600 },
  },
});
