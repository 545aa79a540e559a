// Ampstack adapter for the aws-amplify v6 client: two lines in an app,
//
//   import { configureAmplify } from './ampstack-amplify.mjs';
//   configureAmplify(Amplify, outputs);
//
// Amplify.configure(outputs) reads no endpoint overrides from amplify_outputs.json, so this
// configures the given Amplify singleton from the outputs and then points Auth (user pool and
// identity pool) at the sandbox using `custom.ampstack` in the same file. Data needs nothing
// extra (its URL is in `data.url`). No dependencies of its own: it only calls the Amplify object
// it is given. Storage routing is added by the storage issue.

/**
 * @param {{ configure: Function, getConfig: Function, libraryOptions?: object }} Amplify
 * @param {object} outputs the parsed amplify_outputs.json written by `ampstack sandbox`
 * @param {object} [libraryOptions] passed through to Amplify.configure
 */
export function configureAmplify(Amplify, outputs, libraryOptions) {
  const local = outputs && outputs.custom && outputs.custom.ampstack;
  if (!local) {
    throw new Error('configureAmplify: these outputs were not written by ampstack (no custom.ampstack)');
  }
  const options = libraryOptions ?? Amplify.libraryOptions;
  Amplify.configure(outputs, options);
  const config = Amplify.getConfig();
  const cognito = config.Auth && config.Auth.Cognito;
  if (!cognito) return config;
  const next = {
    ...config,
    Auth: {
      ...config.Auth,
      Cognito: {
        ...cognito,
        userPoolEndpoint: local.user_pool_endpoint,
        identityPoolEndpoint: local.identity_pool_endpoint,
      },
    },
  };
  Amplify.configure(next, options);
  return Amplify.getConfig();
}
