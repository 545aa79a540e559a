export const handler = (event, context, callback) => {
  setTimeout(() => callback(null, event.arguments.a + event.arguments.b), 5);
};
