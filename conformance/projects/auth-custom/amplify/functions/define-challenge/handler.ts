import type { DefineAuthChallengeTriggerHandler } from 'aws-lambda';

// SRP_A → PASSWORD_VERIFIER (CUSTOM_WITH_SRP), then the question until one right answer (tokens)
// or three wrong ones (failure).
export const handler: DefineAuthChallengeTriggerHandler = async (event) => {
  const session = event.request.session;
  const last = session[session.length - 1];
  const wrong = session.filter((c) => c.challengeName === 'CUSTOM_CHALLENGE' && !c.challengeResult).length;
  console.log(`DEFINE ${event.userName} ${session.map((c) => `${c.challengeName}:${c.challengeResult}`).join(',') || '-'} notFound=${event.request.userNotFound}`);
  event.response.issueTokens = false;
  event.response.failAuthentication = false;
  if (last?.challengeName === 'SRP_A') {
    event.response.challengeName = 'PASSWORD_VERIFIER';
  } else if (last?.challengeName === 'CUSTOM_CHALLENGE' && last.challengeResult) {
    event.response.issueTokens = true;
  } else if (wrong >= 3) {
    event.response.failAuthentication = true;
  } else {
    event.response.challengeName = 'CUSTOM_CHALLENGE';
  }
  return event;
};
