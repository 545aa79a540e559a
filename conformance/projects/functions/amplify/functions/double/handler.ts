export const handler = async (event: { arguments: { value: number } }) => event.arguments.value * 2;
