import type { UserMigrationTriggerHandler } from 'aws-lambda';

// The "legacy directory": any legacy.*@example.com address, whose password was Legacy#Pass1.
export const handler: UserMigrationTriggerHandler = async (event) => {
  if (!event.userName.startsWith('legacy.')) throw new Error('user not found in the legacy directory');
  if (event.triggerSource === 'UserMigration_Authentication' && event.request.password !== 'Legacy#Pass1') throw new Error('bad password');
  console.log(`MIGRATE ${event.triggerSource} ${event.userName}`);
  event.response.userAttributes = { email: event.userName, email_verified: 'true', nickname: 'migrated' };
  event.response.finalUserStatus = event.triggerSource === 'UserMigration_Authentication' ? 'CONFIRMED' : 'RESET_REQUIRED';
  event.response.messageAction = 'SUPPRESS';
  return event;
};
