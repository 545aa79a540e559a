// The Amplify CLI's AppSync simulator (the engine of Gen 1 `amplify mock api`) answering the
// data benchmark's `getTodo` and filtered `listTodos` (20 items) from NONE data sources: VTL
// request/response templates, GraphQL parsing, validation and API key auth, but no storage.
// Usage: node appsync_simulator_data.cjs PORT WSPORT
'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  return listen.apply(this, args);
};
const { AmplifyAppSyncSimulator } = require('amplify-appsync-simulator');
const [port, wsPort] = process.argv.slice(2).map(Number);
const schema = `type Todo { id: ID! content: String priority: Int done: Boolean batch: String createdAt: AWSDateTime! updatedAt: AWSDateTime! }
type ModelTodoConnection { items: [Todo]! nextToken: String }
input ModelStringInput { eq: String ne: String beginsWith: String }
input ModelBooleanInput { eq: Boolean ne: Boolean }
input ModelTodoFilterInput { batch: ModelStringInput done: ModelBooleanInput and: [ModelTodoFilterInput] }
type Query { getTodo(id: ID!): Todo listTodos(filter: ModelTodoFilterInput, limit: Int, nextToken: String): ModelTodoConnection }
schema { query: Query }`;
const item = (id) => `{"id":"${id}","content":"x","priority":1,"done":true,"batch":"b","createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"}`;
const items = Array.from({ length: 20 }, (_, i) => item(`b${i * 10}`)).join(',');
(async () => {
  const sim = new AmplifyAppSyncSimulator({ port, wsPort });
  sim.init({
    schema: { content: schema },
    dataSources: [{ type: 'NONE', name: 'none' }],
    resolvers: [
      {
        kind: 'UNIT', typeName: 'Query', fieldName: 'getTodo', dataSourceName: 'none',
        requestMappingTemplate: `{"version":"2017-02-28","payload":${item('$ctx.args.id')}}`,
        responseMappingTemplate: '$util.toJson($ctx.result)',
      },
      {
        kind: 'UNIT', typeName: 'Query', fieldName: 'listTodos', dataSourceName: 'none',
        requestMappingTemplate: `{"version":"2017-02-28","payload":{"items":[${items}],"nextToken":null}}`,
        responseMappingTemplate: '$util.toJson($ctx.result)',
      },
    ],
    appSync: { name: 'bench', defaultAuthenticationType: { authenticationType: 'API_KEY' }, apiKey: 'da2-fakeApiKey00000000000000', additionalAuthenticationProviders: [] },
  });
  await sim.start();
})();
