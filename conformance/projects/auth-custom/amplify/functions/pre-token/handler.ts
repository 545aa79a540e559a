import type { PreTokenGenerationV2TriggerHandler } from 'aws-lambda';

// Version 2 (backend.ts selects V2_0): a claim and a scope in the access token, a claim in the id
// token.
export const handler: PreTokenGenerationV2TriggerHandler = async (event) => {
  event.response = {
    claimsAndScopeOverrideDetails: {
      idTokenGeneration: { claimsToAddOrOverride: { event_version: event.version } },
      accessTokenGeneration: {
        claimsToAddOrOverride: { tenant: 'acme', username: 'not-allowed' },
        scopesToAdd: ['todo/read'],
      },
    },
  };
  return event;
};
