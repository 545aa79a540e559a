import { util } from '@aws-appsync/utils';
import * as ddb from '@aws-appsync/utils/dynamodb';

export function request(ctx) {
  const update = { ups: ddb.operations.increment(ctx.args.by ?? 1), updatedAt: util.time.nowISO8601() };
  if (ctx.args.tag) update.tags = ddb.operations.append([ctx.args.tag]);
  return ddb.update({ key: { id: ctx.args.id }, update, condition: { id: { attributeExists: true } } });
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result;
}
