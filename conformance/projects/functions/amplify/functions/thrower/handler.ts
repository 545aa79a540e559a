class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequest';
  }
}

export const handler = async (event: { arguments: { reason?: string } }) => {
  throw new BadRequest(`refused: ${event.arguments.reason ?? 'no reason'}`);
};
