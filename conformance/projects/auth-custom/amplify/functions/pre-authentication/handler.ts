import type { PreAuthenticationTriggerHandler } from 'aws-lambda';

export const handler: PreAuthenticationTriggerHandler = async (event) => {
  if (event.request.userAttributes.email?.startsWith('blocked.')) throw new Error('this account is blocked');
  return event;
};
