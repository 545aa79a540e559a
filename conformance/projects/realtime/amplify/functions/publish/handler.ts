export const handler = async (event: { arguments: { channelName: string; content: string } }) => event.arguments;
