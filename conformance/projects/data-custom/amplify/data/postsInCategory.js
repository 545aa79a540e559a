import { util } from '@aws-appsync/utils';

// A Query on the category index with a sort key condition and a filter, written as AppSync's
// docs do (util.transform output parsed from its JSON text).
export function request(ctx) {
  const { category, titlePrefix, minUps, limit } = ctx.args;
  const query = { expression: '#c = :c', expressionNames: { '#c': 'category' }, expressionValues: { ':c': util.dynamodb.toDynamoDB(category) } };
  if (titlePrefix) {
    query.expression += ' AND begins_with(#t, :t)';
    query.expressionNames['#t'] = 'title';
    query.expressionValues[':t'] = util.dynamodb.toDynamoDB(titlePrefix);
  }
  const filter = minUps === undefined || minUps === null ? undefined : JSON.parse(util.transform.toDynamoDBFilterExpression({ ups: { ge: minUps } }));
  return { operation: 'Query', index: 'byCategory', query, filter, limit: limit ?? 20, scanIndexForward: false };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result.items;
}
