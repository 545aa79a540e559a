import { env } from '$amplify/env/who-am-i';

export const handler = async (event: any) => ({
  token: env.API_TOKEN,
  identity: event.identity,
  typeName: event.typeName,
  fieldName: event.fieldName,
  parentTypeName: event.info.parentTypeName,
  hasApiKeyHeader: typeof event.request.headers['x-api-key'] === 'string',
  prev: event.prev,
  region: process.env.AWS_REGION,
});
