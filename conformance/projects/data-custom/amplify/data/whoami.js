import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {};
}

export function response(ctx) {
  return `${util.authType()}|${ctx.identity.sub === ctx.identity.claims.sub}|${ctx.identity.username}`;
}
