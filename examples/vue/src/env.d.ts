/// <reference types="vite/client" />
declare module 'ampstack-amplify' {
  export function configureAmplify(amplify: unknown, outputs: unknown, libraryOptions?: unknown): unknown;
}
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
