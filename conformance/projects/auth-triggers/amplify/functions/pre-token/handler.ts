import type { PreTokenGenerationTriggerHandler } from 'aws-lambda';

export const handler: PreTokenGenerationTriggerHandler = async (event) => {
  event.response = {
    claimsOverrideDetails: {
      claimsToAddOrOverride: { tier: 'gold', source: event.triggerSource },
      claimsToSuppress: ['nickname'],
      groupOverrideDetails: { groupsToOverride: ['trigger-group'] },
    },
  };
  return event;
};
