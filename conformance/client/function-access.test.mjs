// allow.resource(fn): a function's handlers sign AWS calls with credentials of their own (as a
// Lambda's execution role does), and each service allows them only what the backend grants that
// function. conformance/projects/function-access grants `prober` read on `reports/*`, write on
// `inbox/*`, the auth action `listUsers` and `query` on the data API; `outsider` runs the same
// handler with no grant. The handler uses the real @aws-sdk S3 and Cognito clients and the
// aws-amplify data client (credentials and endpoints from the environment, as in Lambda); the test seeds and checks objects with the sandbox's admin
// credentials. SQLite and — when AMPSTACK_TEST_DATABASE_URL is set — PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { S3Client, PutObjectCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { bin, conformanceDir, engines, startSandbox } from './support/sandbox.mjs';

async function probe(sandbox, outputs, field, args) {
  const res = await fetch(`${sandbox.httpEndpoint}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': outputs.data.api_key },
    body: JSON.stringify({
      query: `query P($bucket: String!, $userPoolId: String!, $tag: String!) { ${field}(bucket: $bucket, userPoolId: $userPoolId, tag: $tag) }`,
      variables: args,
    }),
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return JSON.parse(body.data[field]);
}

if (!fs.existsSync(bin)) {
  test('function access', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`allow.resource(fn): function credentials narrowed to their grants (${engine.name})`, { timeout: 300_000 }, async () => {
      const sandbox = await startSandbox({
        project: 'conformance/projects/function-access',
        databaseUrl: engine.url,
        edit: (dir) => fs.symlinkSync(path.join(conformanceDir, 'node_modules'), path.join(dir, 'node_modules')),
      });
      try {
        const outputs = JSON.parse(fs.readFileSync(sandbox.outputsPath, 'utf8'));
        const creds = Object.fromEntries(spawnSync(bin, ['credentials', '--dir', sandbox.dir], { encoding: 'utf8' }).stdout
          .split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
        const admin = new S3Client({
          endpoint: `${sandbox.httpEndpoint}/s3`,
          forcePathStyle: true,
          region: outputs.storage.aws_region,
          credentials: { accessKeyId: creds.AWS_ACCESS_KEY_ID, secretAccessKey: creds.AWS_SECRET_ACCESS_KEY },
        });
        const bucket = outputs.storage.bucket_name;
        await admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'reports/seed.txt', Body: 'seed' }));
        const args = (tag) => ({ bucket, userPoolId: outputs.auth.user_pool_id, tag });

        const granted = await probe(sandbox, outputs, 'probe', args('p1'));
        assert.deepEqual(granted, {
          getReport: 'ok:seed',
          listReports: 'ok',
          putReport: 'AccessDenied',
          putInbox: 'ok',
          getInbox: 'AccessDenied',
          deleteInbox: 'AccessDenied',
          listUsers: 'ok',
          adminDeleteUser: 'AccessDeniedException',
          listReports: 'ok',
          createReport: 'Unauthorized',
        });
        // The granted write really happened, and the refused ones changed nothing.
        const inbox = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: 'inbox/p1.txt' }));
        assert.equal(await inbox.Body.transformToString(), 'hello');
        await assert.rejects(admin.send(new HeadObjectCommand({ Bucket: bucket, Key: 'reports/p1.txt' })), { name: 'NotFound' });

        const outsider = await probe(sandbox, outputs, 'probeOutsider', args('o1'));
        assert.deepEqual(outsider, {
          getReport: 'AccessDenied',
          listReports: 'AccessDenied',
          putReport: 'AccessDenied',
          putInbox: 'AccessDenied',
          getInbox: 'AccessDenied',
          deleteInbox: 'AccessDenied',
          listUsers: 'AccessDeniedException',
          adminDeleteUser: 'AccessDeniedException',
          listReports: 'no data access',
          createReport: 'no data access',
        });
        await assert.rejects(admin.send(new HeadObjectCommand({ Bucket: bucket, Key: 'inbox/o1.txt' })), { name: 'NotFound' });
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
