import type { Context } from '@aws-appsync/utils';

// A TypeScript resolver writing the GetItem request object by hand.
export function request(ctx: Context<{ id: string }>) {
  return { operation: 'GetItem', key: { id: { S: ctx.args.id } } };
}

export function response(ctx: Context) {
  return ctx.result;
}
