import type { PostAuthenticationTriggerHandler } from 'aws-lambda';

export const handler: PostAuthenticationTriggerHandler = async (event) => {
  console.log(`POSTAUTH ${event.triggerSource} ${event.request.userAttributes.email} ${JSON.stringify(event.request.clientMetadata ?? {})}`);
  if (event.request.userAttributes.nickname === 'no-tokens') throw new Error('sign-in audit failed');
  return event;
};
