import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {};
}

export function response(ctx) {
  return { text: 'Stay local', caller: `${util.authType()}:${ctx.identity.sub}:${ctx.identity.claims.user_id}` };
}
