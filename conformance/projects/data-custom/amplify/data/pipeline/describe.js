export function request(ctx) {
  return {};
}

export function response(ctx) {
  const { value, capped } = ctx.prev.result;
  ctx.stash.trail.push('describe');
  return `${value}${capped ? ' (capped)' : ''} via ${ctx.stash.trail.join('>')} api=${ctx.stash.apiId ? 'yes' : 'no'}`;
}
