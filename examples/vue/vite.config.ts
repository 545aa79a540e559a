import { fileURLToPath } from 'node:url';
import { defineConfig, searchForWorkspaceRoot } from 'vite';
import vue from '@vitejs/plugin-vue';

// The Ampstack client adapter lives in the repository (clients/js); the app imports it as
// 'ampstack-amplify' so there is one copy. In your own app, copy the file and import it directly.
const adapter = fileURLToPath(new URL('../../clients/js/ampstack-amplify.mjs', import.meta.url));

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { 'ampstack-amplify': adapter } },
  server: {
    host: '127.0.0.1',
    // Let the dev server read the adapter outside this folder.
    fs: { allow: [searchForWorkspaceRoot(process.cwd()), adapter] },
  },
  preview: { host: '127.0.0.1' },
});
