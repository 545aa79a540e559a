import { util } from '@aws-appsync/utils';

export function request(ctx) {
  const req = { operation: 'DeleteItem', key: util.dynamodb.toMapValues({ id: ctx.args.id }) };
  if (ctx.args.expectedTitle) {
    req.condition = {
      expression: '#t = :t',
      expressionNames: { '#t': 'title' },
      expressionValues: util.dynamodb.toMapValues({ ':t': ctx.args.expectedTitle }),
    };
  }
  return req;
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result;
}
