import { env } from '$amplify/env/ticker';
import { dataClient } from '../data-client';

// Runs on its schedule with EventBridge's scheduled event and records each run as a Note.
export const handler = async (event: { 'detail-type': string; time: string; source: string }) => {
  const client = await dataClient(env);
  const { errors } = await client.models.Note.create({ content: `${event['detail-type']} ${event.source} ${event.time}`, source: 'schedule' });
  if (errors?.length) throw new Error(JSON.stringify(errors));
};
