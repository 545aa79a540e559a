// For every fixture: `ampstack generate outputs` must produce an amplify_outputs.json whose
// model introspection equals the golden one (made by the real Amplify tooling), and which the
// real aws-amplify 6.22.1 client accepts in Amplify.configure().
//
//   AMPSTACK_BIN=/path/to/ampstack node --test client/
//
// AMPSTACK_BIN defaults to ../target/debug/ampstack (relative to conformance/). When that file
// does not exist the test is skipped with a message; any other problem fails it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';
import { Amplify } from 'aws-amplify';
import { compareIntrospection } from '../golden/compare.mjs';

const conformanceDir = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..');
const fixturesDir = path.join(conformanceDir, 'fixtures');
const bin = process.env.AMPSTACK_BIN
  ? path.resolve(process.env.AMPSTACK_BIN)
  : path.resolve(conformanceDir, '../target/debug/ampstack');

const fixtures = fs.readdirSync(fixturesDir).sort()
  .filter((name) => fs.existsSync(path.join(fixturesDir, name, 'amplify/backend.ts')));

// What a client sees as defaultAuthMode for each `defaultAuthorizationMode` of defineData.
const CLIENT_AUTH_MODE = {
  apiKey: 'apiKey', userPool: 'userPool', iam: 'iam', identityPool: 'iam', oidc: 'oidc', lambda: 'lambda',
};

/** Which categories the fixture defines, read from its files. */
function categories(dir) {
  const read = (rel) => (fs.existsSync(path.join(dir, rel)) ? fs.readFileSync(path.join(dir, rel), 'utf8') : '');
  const dataSource = read('amplify/data/resource.ts');
  const hasAuth = read('amplify/auth/resource.ts') !== '';
  // The default auth mode @aws-amplify/backend-data picks: the explicit one, else userPool with
  // an auth resource, else the API key of sandbox mode (the one-mode cases are explicit in ours).
  const explicit = dataSource.match(/defaultAuthorizationMode:\s*['"](\w+)['"]/)?.[1];
  return {
    data: dataSource !== '',
    auth: hasAuth,
    storage: read('amplify/storage/resource.ts') !== ''
      || /addOutput\(\s*\{\s*storage\s*:/.test(read('amplify/backend.ts')),
    defaultAuthMode: CLIENT_AUTH_MODE[explicit ?? (hasAuth ? 'userPool' : 'apiKey')],
  };
}

function generateOutputs(dir) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-outputs-'));
  try {
    const run = spawnSync(bin, ['generate', 'outputs', '--dir', dir, '--out-dir', outDir], {
      encoding: 'utf8', timeout: 120_000,
    });
    if (run.error) throw run.error;
    assert.equal(run.status, 0, `ampstack generate outputs exited ${run.status}:\n${run.stderr}${run.stdout}`);
    const file = path.join(outDir, 'amplify_outputs.json');
    assert.ok(fs.existsSync(file), 'amplify_outputs.json was not written');
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

const nonEmptyString = (v, what) => assert.ok(typeof v === 'string' && v.length > 0, `${what} is ${JSON.stringify(v)}`);

if (!fs.existsSync(bin)) {
  test('amplify_outputs.json of every fixture', {
    skip: `ampstack binary not found at ${bin} (build it with \`cargo build\` or set AMPSTACK_BIN)`,
  }, () => {});
} else {
  for (const name of fixtures) {
    test(`fixture ${name}`, () => {
      const dir = path.join(fixturesDir, name);
      const expect = categories(dir);
      const outputs = generateOutputs(dir);

      // (a) data.model_introspection equals the golden made by the real tooling.
      const goldenFile = path.join(dir, 'golden/model-introspection.json');
      if (expect.data && fs.existsSync(goldenFile)) {
        assert.ok(outputs.data?.model_introspection, 'outputs.data.model_introspection is missing');
        const diffs = compareIntrospection(fs.readFileSync(goldenFile, 'utf8'), outputs.data.model_introspection);
        if (diffs.length) {
          assert.fail(`model introspection differs from golden (${diffs.length}):\n  ${diffs.slice(0, 40).join('\n  ')}`);
        }
      }

      // (b) the real client accepts the outputs and exposes each category the fixture defines.
      Amplify.configure(outputs);
      const config = Amplify.getConfig();
      if (expect.data) {
        const gql = config.API?.GraphQL;
        assert.ok(gql, 'Amplify.getConfig().API.GraphQL is missing');
        nonEmptyString(gql.endpoint, 'API.GraphQL.endpoint');
        assert.equal(gql.defaultAuthMode, expect.defaultAuthMode, 'API.GraphQL.defaultAuthMode');
        assert.ok(gql.modelIntrospection && typeof gql.modelIntrospection === 'object',
          'API.GraphQL.modelIntrospection is missing');
      }
      if (expect.auth) {
        const cognito = config.Auth?.Cognito;
        assert.ok(cognito, 'Amplify.getConfig().Auth.Cognito is missing');
        nonEmptyString(cognito.userPoolId, 'Auth.Cognito.userPoolId');
        nonEmptyString(cognito.userPoolClientId, 'Auth.Cognito.userPoolClientId');
        nonEmptyString(cognito.identityPoolId, 'Auth.Cognito.identityPoolId');
      }
      if (expect.storage) {
        const s3 = config.Storage?.S3;
        assert.ok(s3, 'Amplify.getConfig().Storage.S3 is missing');
        nonEmptyString(s3.bucket, 'Storage.S3.bucket');
      }
    });
  }
}
