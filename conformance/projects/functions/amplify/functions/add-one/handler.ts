export const handler = async (event: { prev: { result: number } }) => event.prev.result + 1;
