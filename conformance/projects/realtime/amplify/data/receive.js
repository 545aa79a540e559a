// Passes the mutation's result through (the docs' custom subscription handler).
export function request() {
  return { payload: null };
}

export const response = (ctx) => ctx.result;
