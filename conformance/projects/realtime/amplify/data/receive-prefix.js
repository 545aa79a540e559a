import { util, extensions } from '@aws-appsync/utils';

// The docs' subscription handler with a server-side filter: only posts whose channel name starts
// with the subscriber's `namePrefix`.
export function request() {
  return { payload: null };
}

export function response(ctx) {
  const filter = { channelName: { beginsWith: ctx.args.namePrefix } };
  extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(filter));
  return null;
}
