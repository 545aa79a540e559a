import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { fn } from '../functions/fn/resource';

const schema = a
  .schema({
    Phase: a.enum(['inProgress', 'done', 'onHold']),
    Tag: a.customType({ name: a.string().required(), color: a.string() }),
    TagGroup: a.customType({ title: a.string(), tags: a.ref('Tag').required().array().required(), phase: a.ref('Phase') }),
    User: a.model({
      id: a.id(),
      name: a.string(),
      profile: a.hasOne('Profile', 'userId'),
      teams: a.hasMany('Membership', 'userId'),
      groups: a.ref('TagGroup').array(),
    }),
    Profile: a.model({
      userId: a.id().required(),
      user: a.belongsTo('User', 'userId'),
      phase: a.ref('Phase').required(),
    }),
    Membership: a
      .model({
        userId: a.id().required(),
        teamId: a.id().required(),
        user: a.belongsTo('User', 'userId'),
        role: a.string(),
      })
      .identifier(['userId', 'teamId'])
      .disableOperations(['onDelete', 'subscriptions'])
      .secondaryIndexes((index) => [index('teamId'), index('role').sortKeys(['userId'])]),
    Event: a
      .model({
        title: a.string(),
        when: a.datetime().required(),
      })
      .secondaryIndexes((index) => [index('when'), index('createdAt'), index('title').sortKeys(['when']).queryField('eventsByTitle')]),
  })
  .authorization((allow) => [allow.publicApiKey(), allow.resource(fn)]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({ schema, authorizationModes: { defaultAuthorizationMode: 'apiKey' } });
