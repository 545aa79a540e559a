import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { prober, outsider } from '../functions/resource';

const schema = a
  .schema({
    Report: a.model({ title: a.string() }).authorization((allow) => [allow.publicApiKey()]),
    probe: a
      .query()
      .arguments({ bucket: a.string().required(), userPoolId: a.string().required(), tag: a.string().required() })
      .returns(a.json())
      .authorization((allow) => [allow.publicApiKey()])
      .handler(a.handler.function(prober)),
    probeOutsider: a
      .query()
      .arguments({ bucket: a.string().required(), userPoolId: a.string().required(), tag: a.string().required() })
      .returns(a.json())
      .authorization((allow) => [allow.publicApiKey()])
      .handler(a.handler.function(outsider)),
  })
  // prober may read through the API but not write; outsider has no grant at all.
  .authorization((allow) => [allow.resource(prober).to(['query'])]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({ schema, authorizationModes: { defaultAuthorizationMode: 'apiKey' } });
