export const handler = async () => 0;
