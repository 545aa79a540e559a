// Issue 7: the Amplify docs' Vue app (examples/vue) against a real `ampstack sandbox`, driven in
// Debian's Chromium through playwright-core: sign up through the Authenticator with the code from
// the sandbox's outbox, sign out and in, create todos and see them listed, see a todo created in a
// second browser context appear live (realtime), create a song, upload / replace / remove its cover
// and see it rendered through getUrl (storage), delete song and file, sign out. Every step saves a
// screenshot under e2e/artifacts/<engine>/, and no browser console error may occur.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { test } from 'node:test';
import { bin, chromiumPath, engines, httpsGet, png, startRun, watchConsole } from './support.mjs';

const password = 'Correct#Horse1';
const TIMEOUT = 20_000;

const missing = [!fs.existsSync(bin) && `ampstack binary not found at ${bin}`, !fs.existsSync(chromiumPath) && `no Chromium at ${chromiumPath}`].filter(Boolean);

for (const engine of engines()) {
  test(`examples/vue in Chromium against the sandbox (${engine.name})`, { timeout: 600_000, skip: missing[0] ?? false }, async (t) => {
    const run = await startRun(engine);
    const { browser, sandbox, shots } = run;
    const email = `vue.${crypto.randomBytes(4).toString('hex')}@example.com`;
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const consoleWatch = watchConsole(context);
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    let shotIndex = 0;
    const shot = (p, name) => p.screenshot({ path: `${shots}/${String(++shotIndex).padStart(2, '0')}-${name}.png`, fullPage: true });

    // Steps depend on each other: after a failure the rest are skipped, not failed again.
    let failed = null;
    const step = (name, fn) =>
      t.test(name, { skip: failed ? `an earlier step failed (${failed})` : false }, async () => {
        try {
          await fn();
        } catch (e) {
          failed = name;
          await shot(page, 'failed').catch(() => {});
          throw new Error(`${e.message}\n--- sandbox log (tail) ---\n${sandbox.log().split('\n').slice(-20).join('\n')}`, { cause: e });
        }
      });

    const todoItems = (p) => p.getByRole('list', { name: 'Todos' }).getByRole('listitem');
    const addTodo = async (p, content) => {
      p.once('dialog', (d) => d.accept(content));
      const created = p.waitForResponse((r) => r.url().endsWith('/graphql') && /createTodo/.test(r.request().postData() ?? ''));
      await p.getByRole('button', { name: 'Add new todo' }).click();
      assert.equal((await created).status(), 200);
    };
    const signIn = async (p) => {
      await p.getByRole('tab', { name: 'Sign In' }).click();
      await p.getByLabel('Email').fill(email);
      await p.getByLabel('Password', { exact: true }).fill(password);
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.getByRole('heading', { name: `Hello ${email}!` }).waitFor();
    };

    try {
      await step('the Authenticator is shown to a signed-out visitor', async () => {
        await page.goto(run.app.url);
        await page.getByRole('tab', { name: 'Sign In' }).waitFor();
        await shot(page, 'sign-in-form');
      });

      await step('sign up through the Authenticator, confirm with the code from the outbox', async () => {
        await page.getByRole('tab', { name: 'Create Account' }).click();
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password', { exact: true }).fill(password);
        await page.getByLabel('Confirm Password').fill(password);
        await shot(page, 'sign-up-form');
        await page.getByRole('button', { name: 'Create Account' }).click();
        await page.getByLabel('Confirmation Code').waitFor();
        const outbox = await httpsGet(`${sandbox.endpoint}/_ampstack/outbox?to=${encodeURIComponent(email)}`, sandbox.ca);
        assert.equal(outbox.status, 200);
        const [message] = JSON.parse(outbox.body);
        assert.match(message?.code ?? '', /^\d{6}$/, `no code in the outbox for ${email}`);
        await page.getByLabel('Confirmation Code').fill(message.code);
        await shot(page, 'confirm-sign-up');
        await page.getByRole('button', { name: 'Confirm', exact: true }).click();
        // The Authenticator signs the new user in after confirmation.
        await page.getByRole('heading', { name: `Hello ${email}!` }).waitFor();
        await shot(page, 'signed-in-after-sign-up');
      });

      await step('sign out, then sign in with email and password', async () => {
        await page.getByRole('button', { name: 'Sign Out' }).click();
        await page.getByRole('tab', { name: 'Sign In' }).waitFor();
        await signIn(page);
        await shot(page, 'signed-in');
      });

      await step('create todos and see them listed', async () => {
        for (const content of ['Buy milk', 'Write the e2e test']) {
          await addTodo(page, content);
          // No reload: observeQuery adds the new todo from its onCreate subscription.
          await todoItems(page).filter({ hasText: content }).waitFor();
        }
        // A list (like DynamoDB's scan) has no defined order; the seed's TodoList shows it as is.
        const listed = await todoItems(page).allTextContents();
        assert.deepEqual(listed.map((s) => s.trim()).sort(), ['Buy milk', 'Write the e2e test']);
        await shot(page, 'todos-listed');
      });

      await step('a todo created in a second browser context appears in the first without a reload', async () => {
        const second = await browser.newContext({ viewport: { width: 1000, height: 800 } });
        const secondWatch = watchConsole(second);
        try {
          const other = await second.newPage();
          other.setDefaultTimeout(TIMEOUT);
          await other.goto(run.app.url);
          await signIn(other);
          await todoItems(other).filter({ hasText: 'Buy milk' }).waitFor();
          await addTodo(other, 'From the second window');
          await todoItems(other).filter({ hasText: 'From the second window' }).waitFor();
          await shot(other, 'second-context-created-todo');
          await todoItems(page).filter({ hasText: 'From the second window' }).waitFor();
          await shot(page, 'first-context-sees-it-live');
          assert.deepEqual(secondWatch.errors, []);
        } finally {
          await second.close();
        }
      });

      await step('create a song', async () => {
        await page.getByRole('button', { name: 'Songs' }).click();
        await page.getByLabel('Song name').fill('Blue in Green');
        await page.getByRole('button', { name: 'Create song' }).click();
        await page.locator('li[data-song="Blue in Green"]').getByText('No cover').waitFor();
        await shot(page, 'song-created');
      });

      const song = page.locator('li[data-song="Blue in Green"]');
      const cover = song.getByRole('img', { name: 'Cover of Blue in Green' });
      const upload = (name, buffer) => song.locator('input[type=file]').setInputFiles({ name, mimeType: 'image/png', buffer });
      /** The rendered cover's intrinsic width once loaded, and the signed URL it came from. */
      const rendered = async (width) => {
        await cover.waitFor();
        await page.waitForFunction(([el, w]) => el.complete && el.naturalWidth === w, [await cover.elementHandle(), width]);
        return cover.getAttribute('src');
      };
      /** The Songs page has finished its current action (upload, record update, file removal). */
      const idle = () => page.locator('section[aria-busy="false"]').waitFor();
      const gone = async (signedUrl) => {
        await idle();
        const res = await httpsGet(signedUrl, sandbox.ca);
        assert.equal(res.status, 404, `expected the file to be deleted, got ${res.status} ${res.body}`);
      };
      let firstUrl;
      let secondUrl;

      await step('upload a cover and see the image rendered through getUrl', async () => {
        await upload('red.png', png(3, 2, [220, 20, 60]));
        firstUrl = await rendered(3);
        const res = await httpsGet(firstUrl, sandbox.ca);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, png(3, 2, [220, 20, 60]));
        await shot(page, 'cover-uploaded');
      });

      await step('replace the cover: the new image shows and the old file is deleted', async () => {
        await upload('blue.png', png(5, 4, [30, 60, 200]));
        secondUrl = await rendered(5);
        assert.notEqual(secondUrl, firstUrl);
        await gone(firstUrl);
        await shot(page, 'cover-replaced');
      });

      await step('remove the cover: record unlinked and file deleted', async () => {
        await song.getByRole('button', { name: 'Remove cover' }).click();
        await song.getByText('No cover').waitFor();
        await gone(secondUrl);
        await shot(page, 'cover-removed');
      });

      await step('delete the song together with its cover file', async () => {
        await upload('green.png', png(4, 4, [20, 160, 60]));
        const url = await rendered(4);
        await idle();
        await song.getByRole('button', { name: 'Delete song' }).click();
        await song.waitFor({ state: 'detached' });
        await gone(url);
        // Still gone after a reload: the record was deleted on the server.
        await page.reload();
        await page.getByRole('button', { name: 'Songs' }).click();
        await page.getByRole('button', { name: 'Create song' }).waitFor();
        assert.equal(await page.locator('li[data-song]').count(), 0);
        await shot(page, 'song-deleted');
      });

      await step('the page reports no errors', async () => {
        const alerts = await page.getByRole('alert').allTextContents();
        assert.deepEqual(alerts, []);
      });

      await step('sign out', async () => {
        await page.getByRole('button', { name: 'Sign Out' }).click();
        await page.getByRole('tab', { name: 'Sign In' }).waitFor();
        await shot(page, 'signed-out');
      });

      await t.test('no console errors in the browser during the run', () => {
        assert.deepEqual(consoleWatch.errors, []);
      });
    } finally {
      await context.close().catch(() => {});
      await run.stop();
    }
  });
}
