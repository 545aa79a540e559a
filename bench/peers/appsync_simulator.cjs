// Starts the Amplify CLI's AppSync simulator (the engine of Gen 1 `amplify mock api`) with a
// one-model schema, bound to 127.0.0.1, for start-up timing. Usage: node appsync_simulator.cjs PORT WSPORT
'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  return listen.apply(this, args);
};
const { AmplifyAppSyncSimulator } = require('amplify-appsync-simulator');
const [port, wsPort] = process.argv.slice(2).map(Number);
const schema = `type Todo { id: ID! content: String isDone: Boolean }
type Query { getTodo(id: ID!): Todo }
schema { query: Query }`;
(async () => {
  const sim = new AmplifyAppSyncSimulator({ port, wsPort });
  sim.init({
    schema: { content: schema },
    dataSources: [{ type: 'NONE', name: 'none' }],
    resolvers: [{
      kind: 'UNIT', typeName: 'Query', fieldName: 'getTodo', dataSourceName: 'none',
      requestMappingTemplate: '{"version":"2017-02-28","payload":{"id":"$ctx.args.id"}}',
      responseMappingTemplate: '$util.toJson($ctx.result)',
    }],
    appSync: { name: 'bench', defaultAuthenticationType: { authenticationType: 'API_KEY' }, apiKey: 'da2-fakeApiKey00000000000000', additionalAuthenticationProviders: [] },
  });
  await sim.start();
})();
