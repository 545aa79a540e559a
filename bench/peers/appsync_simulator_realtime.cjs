// Starts the Amplify CLI's AppSync simulator (the engine of Gen 1 `amplify mock api`) with a
// Message model whose createMessage mutation (NONE data source, echoes its input) triggers
// onCreateMessage, bound to 127.0.0.1, for the realtime benchmark. Its subscription WebSocket is
// `ws://127.0.0.1:PORT/graphql?header=<base64>&payload=e30=`.
// Usage: node appsync_simulator_realtime.cjs PORT WSPORT
'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  return listen.apply(this, args);
};
const { AmplifyAppSyncSimulator } = require('amplify-appsync-simulator');
const [port, wsPort] = process.argv.slice(2).map(Number);
const schema = `type Message { id: ID! text: String batch: String }
input CreateMessageInput { id: ID text: String batch: String }
type Query { getMessage(id: ID!): Message }
type Mutation { createMessage(input: CreateMessageInput!): Message }
type Subscription { onCreateMessage: Message @aws_subscribe(mutations: ["createMessage"]) }
schema { query: Query mutation: Mutation subscription: Subscription }`;
(async () => {
  const sim = new AmplifyAppSyncSimulator({ port, wsPort });
  const echo = (fieldName, typeName, template) => ({
    kind: 'UNIT', typeName, fieldName, dataSourceName: 'none',
    requestMappingTemplate: template, responseMappingTemplate: '$util.toJson($ctx.result)',
  });
  sim.init({
    schema: { content: schema },
    dataSources: [{ type: 'NONE', name: 'none' }],
    resolvers: [
      echo('getMessage', 'Query', '{"version":"2017-02-28","payload":{"id":"$ctx.args.id"}}'),
      echo('createMessage', 'Mutation', '{"version":"2017-02-28","payload":$util.toJson($ctx.args.input)}'),
    ],
    appSync: { name: 'bench', defaultAuthenticationType: { authenticationType: 'API_KEY' }, apiKey: 'da2-fakeApiKey00000000000000', additionalAuthenticationProviders: [] },
  });
  await sim.start();
  process.stdout.write('ready\n');
})();
