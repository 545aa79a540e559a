import { parse } from 'graphql';
import { env } from '$amplify/env/echo';
import type { Schema } from '../../data/resource';

export const handler: Schema['echo']['functionHandler'] = async (event, context) => {
  const doc = parse(`{ echo(content: ${JSON.stringify(event.arguments.content ?? "")}) }`);
  console.log('echo called with', event.arguments.content);
  return {
    content: `Echoing content: ${event.arguments.content}`,
    kind: doc.kind,
    greeting: env.GREETING,
    functionName: context.functionName,
    remainingOk: context.getRemainingTimeInMillis() > 0,
    selection: event.info.selectionSetList,
  };
};
