import type { PostConfirmationTriggerHandler } from 'aws-lambda';

export const handler: PostConfirmationTriggerHandler = async (event) => {
  console.log(`POSTCONFIRM ${event.triggerSource} ${event.request.userAttributes.email} ${event.request.userAttributes['cognito:user_status']}`);
  return event;
};
