export function request(ctx) {
  return {};
}

export function response(ctx) {
  return {
    content: `Echoing content: ${ctx.arguments.content}`,
    executionDuration: 0,
  };
}
