// Ampstack's @aws-amplify/backend/function/runtime: the same `getAmplifyDataClientConfig(env)` API
// and result as amplify-backend's, reading the model introspection schema the sandbox wrote next to
// this file instead of downloading it from S3.
import { readFileSync } from 'node:fs';

const screamingSnake = (name) =>
  String(name)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();

export const getAmplifyDataClientConfig = async (env) => {
  const dataName = screamingSnake(env.AMPLIFY_DATA_DEFAULT_NAME);
  const endpoint = env[`${dataName}_GRAPHQL_ENDPOINT`];
  const bucket = env[`${dataName}_MODEL_INTROSPECTION_SCHEMA_BUCKET_NAME`];
  const key = env[`${dataName}_MODEL_INTROSPECTION_SCHEMA_KEY`];
  if (typeof endpoint !== 'string' || typeof bucket !== 'string' || typeof key !== 'string') {
    throw new Error(
      'The data environment variables are malformed: grant this function access to the data API with ' +
        'allow.resource(fn) in the schema authorization (ampstack sets them only then).'
    );
  }
  let modelIntrospection;
  try {
    modelIntrospection = JSON.parse(readFileSync(new URL('./model-introspection-schema.json', import.meta.url), 'utf8'));
  } catch (cause) {
    throw new Error(
      'Error retrieving the schema. Please confirm that your project has a `defineData` included in the `defineBackend` definition.',
      { cause }
    );
  }
  return {
    resourceConfig: {
      API: { GraphQL: { endpoint, region: env.AWS_REGION, defaultAuthMode: 'iam', modelIntrospection } },
    },
    libraryOptions: {
      Auth: {
        credentialsProvider: {
          getCredentialsAndIdentityId: async () => ({
            credentials: {
              accessKeyId: env.AWS_ACCESS_KEY_ID,
              secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
              sessionToken: env.AWS_SESSION_TOKEN,
            },
          }),
          clearCredentialsAndIdentityId: () => {},
        },
      },
    },
  };
};
