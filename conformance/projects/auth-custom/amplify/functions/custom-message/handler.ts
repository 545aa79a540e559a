import type { CustomMessageTriggerHandler } from 'aws-lambda';

// Branded messages per source; addresses starting with "nocode." get a message without the code
// placeholder, which Cognito refuses to use (the default message is sent instead).
export const handler: CustomMessageTriggerHandler = async (event) => {
  const { codeParameter } = event.request;
  const email = event.request.userAttributes.email ?? '';
  const code = email.startsWith('nocode.') ? '(no code here)' : codeParameter;
  event.response.emailSubject = `Ampstack ${event.triggerSource}`;
  event.response.emailMessage = event.triggerSource === 'CustomMessage_AdminCreateUser'
    ? `Welcome ${event.request.usernameParameter}, your temporary password is ${code}`
    : `Hi ${email}, your code for ${event.triggerSource} is ${code}`;
  return event;
};
