import { util } from '@aws-appsync/utils';

export function request(ctx) {
  if (ctx.args.mode === 'request') {
    util.error('Refused in request', 'MyRequestError', { hint: 'data' }, { reason: 'test' });
  }
  return { payload: ctx.args.mode };
}

export function response(ctx) {
  if (ctx.result === 'append') {
    util.appendError('Partial trouble', 'PartialError');
    return 'partial result';
  }
  if (ctx.result === 'crash') {
    return ctx.result.missing.field;
  }
  util.error('Refused in response', 'MyResponseError');
}
