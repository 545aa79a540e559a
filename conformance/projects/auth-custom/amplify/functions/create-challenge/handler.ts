import type { CreateAuthChallengeTriggerHandler } from 'aws-lambda';

// A question whose answer never leaves the server (privateChallengeParameters); the greeting
// follows the client's clientMetadata.
export const handler: CreateAuthChallengeTriggerHandler = async (event) => {
  const attempt = event.request.session.filter((c) => c.challengeName === 'CUSTOM_CHALLENGE').length + 1;
  const greeting = event.request.clientMetadata?.lang === 'fr' ? 'Bonjour' : 'Hello';
  event.response.publicChallengeParameters = { question: 'What is six times seven?', greeting, attempt: String(attempt) };
  event.response.privateChallengeParameters = { answer: '42' };
  event.response.challengeMetadata = `QUESTION-${attempt}`;
  return event;
};
