// For every fixture with a golden AppSync schema (made offline by Amplify's real GraphQL
// transformer): `ampstack generate graphql-schema` prints the same schema (order aside: types,
// fields, arguments, input fields, enum values and the @aws_* auth directives are compared).
//
//   AMPSTACK_BIN=/path/to/ampstack node --test client/schema.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { compareSdl } from '../golden/compare.mjs';

const conformanceDir = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..');
const fixturesDir = path.join(conformanceDir, 'fixtures');
const bin = process.env.AMPSTACK_BIN ? path.resolve(process.env.AMPSTACK_BIN) : path.resolve(conformanceDir, '../target/debug/ampstack');

const fixtures = fs.readdirSync(fixturesDir).sort()
  .filter((name) => fs.existsSync(path.join(fixturesDir, name, 'golden/appsync.graphql')));

test('there are fixtures with golden AppSync schemas', () => {
  assert.ok(fixtures.length >= 40, `only ${fixtures.length} fixtures`);
});

for (const name of fixtures) {
  test(`generate graphql-schema: ${name}`, { skip: fs.existsSync(bin) ? false : `no ampstack binary at ${bin}` }, () => {
    const dir = path.join(fixturesDir, name);
    const run = spawnSync(bin, ['generate', 'graphql-schema', '--dir', dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const golden = fs.readFileSync(path.join(dir, 'golden/appsync.graphql'), 'utf8');
    const diffs = compareSdl(golden, run.stdout);
    assert.deepEqual(diffs, [], `differs from the real transformer:\n${diffs.join('\n')}`);
  });
}
