export const handler = async () => {
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return 'too late';
};
