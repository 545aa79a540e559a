import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return { operation: 'BatchGetItem', tables: { PostTable: ctx.args.ids.map((id) => util.dynamodb.toMapValues({ id })) } };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result.data.PostTable;
}
