import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Status: a.enum(['OPEN', 'CLOSED']),
    Ticket: a
      .model({
        ticketId: a.id().required(),
        project: a.string().required(),
        status: a.ref('Status'),
        priority: a.integer(),
        createdOn: a.datetime(),
        assignee: a.string(),
        reporter: a.email(),
      })
      .identifier(['ticketId'])
      .secondaryIndexes((index) => [
        index('project'),
        index('project').sortKeys(['priority', 'createdOn']).name('byProjectPriority'),
        index('status').queryField('ticketsByStatus'),
        index('assignee').sortKeys(['createdOn']).queryField(null),
        index('reporter').name('reporterIndex').queryField('listByReporter'),
      ]),
    Category: a
      .model({
        name: a.string().required(),
        parent: a.string(),
      })
      .secondaryIndexes((index) => [index('parent')]),
    Person: a
      .model({
        email: a.string().required(),
        team: a.string().required(),
      })
      .identifier(['email', 'team'])
      .secondaryIndexes((index) => [index('team').sortKeys(['email'])]),
  })
  .authorization((allow) => [allow.publicApiKey()]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: { defaultAuthorizationMode: 'apiKey' },
});
