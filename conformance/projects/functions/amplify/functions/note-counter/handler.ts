import { env } from '$amplify/env/note-counter';
import { dataClient } from '../data-client';

export const handler = async (event: { arguments: { source?: string } }) => {
  const client = await dataClient(env);
  const { data, errors } = await client.models.Note.list({ filter: { source: { eq: event.arguments.source ?? 'async' } } });
  if (errors?.length) throw new Error(JSON.stringify(errors));
  return data.length;
};
