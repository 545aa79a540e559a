import { runtime } from '@aws-appsync/utils';

// Step 2: large values skip this step's data source and response (runtime.earlyReturn).
export function request(ctx) {
  ctx.stash.trail.push('cap');
  if (ctx.prev.result.value > 100) {
    runtime.earlyReturn({ value: 100, capped: true });
  }
  return { payload: { value: ctx.prev.result.value + 1, capped: false } };
}

export function response(ctx) {
  ctx.stash.trail.push('cap-response');
  return ctx.result;
}
