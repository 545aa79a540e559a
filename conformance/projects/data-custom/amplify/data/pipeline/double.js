// Step 1 (NONE data source): the payload becomes ctx.result.
export function request(ctx) {
  ctx.stash.trail = ['double'];
  return { payload: { value: ctx.args.n * 2 } };
}

export function response(ctx) {
  return ctx.result;
}
