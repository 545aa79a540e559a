// Lambda authorization: the token `letmein` is admitted; it may not delete vaults.
export const handler = async (event: { authorizationToken: string; requestContext: { queryString: string }; requestHeaders: Record<string, string> }) => {
  const ok = event.authorizationToken === 'letmein';
  return {
    isAuthorized: ok,
    resolverContext: {
      user: 'lambda-user',
      sawQuery: String(event.requestContext.queryString.includes('{')),
      sawHeaders: String(event.requestHeaders.authorization === event.authorizationToken),
    },
    deniedFields: ['Mutation.deleteVault'],
    ttlOverride: 0,
  };
};
