import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { prober, outsider } from '../functions/resource';

const schema = a.schema({
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
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({ schema, authorizationModes: { defaultAuthorizationMode: 'apiKey' } });
