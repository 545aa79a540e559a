import { util } from '@aws-appsync/utils';
import * as ddb from '@aws-appsync/utils/dynamodb';

// As the seeds' addPost: a generated id unless one is given; refuses to overwrite.
export function request(ctx) {
  const { id, ...values } = ctx.args;
  const now = util.time.nowISO8601();
  const item = { ...values, ups: 1, __typename: 'Post', createdAt: now, updatedAt: now };
  return ddb.put({ key: { id: id ?? util.autoId() }, item, condition: { id: { attributeExists: false } } });
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result;
}
