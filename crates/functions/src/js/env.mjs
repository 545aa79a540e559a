// $amplify/env/<function>: amplify-backend's typed environment module (the env object is process.env).
export const env = process.env;
