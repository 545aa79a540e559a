import { env } from '$amplify/env/note-writer';
import { dataClient } from '../data-client';

const client = await dataClient(env);

export const handler = async (event: { arguments: { content: string } }) => {
  const { data, errors } = await client.models.Note.create({ content: event.arguments.content, source: 'async' });
  if (errors?.length) throw new Error(JSON.stringify(errors));
  console.log('note written', data?.id);
  return data?.id;
};
