export const handler = async (event: any) => ({ content: event.arguments.content });
