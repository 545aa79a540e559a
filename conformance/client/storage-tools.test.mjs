// Storage (issue 6) with the AWS tools: the AWS CLI (`aws s3 cp/ls/rm/presign --endpoint-url`)
// and boto3 (storage_tools.py, incl. a 100 MiB multipart upload) with the sandbox's admin
// credentials from `ampstack credentials`, and a crash test: the sandbox is killed with SIGKILL
// while boto3 uploads, restarted on the same data, and every acknowledged object must be intact
// with no partial object visible. SQLite and, when AMPSTACK_TEST_DATABASE_URL is set, PostgreSQL,
// each with object bytes in local files and in an S3-compatible object store (moto_server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, startSandbox } from './support/sandbox.mjs';
import { adminCredentials, backendsTool, blobFiles, blobStores } from './support/blobstores.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const tools = path.join(here, 'support/storage_tools.py');
const haveTools = spawnSync('aws', ['--version']).status === 0 && spawnSync('python3', ['-c', 'import boto3']).status === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Starts `ampstack sandbox` on an existing project dir; resolves with {child, endpoint}. */
async function startOn(dir, databaseUrl, env) {
  const outputs = path.join(dir, 'amplify_outputs.json');
  fs.rmSync(outputs, { force: true });
  const args = ['sandbox', '--dir', dir, '--port', '0', ...(databaseUrl ? ['--database-url', databaseUrl] : [])];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  for (let i = 0; i < 600; i++) {
    try {
      return { child, outputs: JSON.parse(fs.readFileSync(outputs, 'utf8')) };
    } catch {}
    await sleep(50);
  }
  throw new Error('sandbox did not start');
}

if (!fs.existsSync(bin) || !haveTools) {
  test('storage with the AWS CLI and boto3', { skip: !haveTools ? 'aws CLI or boto3 missing (scripts/test installs them)' : `no binary at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    for (const blobs of blobStores()) {
      test(`storage: AWS CLI, boto3 and kill -9 during uploads (${engine.name}, ${blobs.name})`, { timeout: 600_000 }, async (t) => {
        const store = await blobs.start();
        const sandbox = await startSandbox({ project: 'conformance/projects/storage-buckets', databaseUrl: engine.url, env: store.env });
        const outputs = JSON.parse(fs.readFileSync(sandbox.outputsPath, 'utf8'));
        const bucket = outputs.storage.bucket_name;
        const creds = adminCredentials(sandbox.dir);
        const env = (endpoint) => ({ ...creds, AWS_DEFAULT_REGION: 'us-east-1', AWS_CA_BUNDLE: sandbox.caPath, ENDPOINT: endpoint, BUCKET: bucket, CA: sandbox.caPath });
        const ep = outputs.custom.ampstack.storage_endpoint;
        try {
          await t.test('aws s3 cp / ls / presign / rm --endpoint-url', async () => {
            const file = path.join(sandbox.dir, 'cli.txt');
            fs.writeFileSync(file, 'from the aws cli');
            const e = env(ep);
            run('aws', ['s3', 'cp', file, `s3://${bucket}/cli/one.txt`, '--endpoint-url', ep], e);
            run('aws', ['s3', 'cp', file, `s3://${bucket}/cli/sub/two.txt`, '--endpoint-url', ep], e);
            const ls = run('aws', ['s3', 'ls', `s3://${bucket}/cli/`, '--endpoint-url', ep], e);
            assert.match(ls, /PRE sub\//);
            assert.match(ls, /16 one\.txt/);
            assert.match(run('aws', ['s3', 'ls', `s3://${bucket}/cli/`, '--recursive', '--endpoint-url', ep], e), /cli\/sub\/two\.txt/);
            const back = path.join(sandbox.dir, 'back.txt');
            run('aws', ['s3', 'cp', `s3://${bucket}/cli/one.txt`, back, '--endpoint-url', ep], e);
            assert.equal(fs.readFileSync(back, 'utf8'), 'from the aws cli');
            const presigned = run('aws', ['s3', 'presign', `s3://${bucket}/cli/one.txt`, '--expires-in', '60', '--endpoint-url', ep], e).trim();
            // This process does not trust the dev CA (NODE_EXTRA_CA_CERTS is read at start): use curl.
            assert.equal(run('curl', ['-sS', '--fail', '--cacert', sandbox.caPath, presigned], e), 'from the aws cli');
            run('aws', ['s3', 'rm', `s3://${bucket}/cli/`, '--recursive', '--endpoint-url', ep], e);
            // `aws s3 ls` exits 1 when nothing matches.
            const empty = spawnSync('aws', ['s3', 'ls', `s3://${bucket}/cli/`, '--recursive', '--endpoint-url', ep], { encoding: 'utf8', env: { ...process.env, ...e } });
            assert.deepEqual([empty.status, empty.stdout.trim()], [1, '']);
            // The bare base URL works too (path-style at the root).
            assert.match(run('aws', ['s3', 'ls', '--endpoint-url', sandbox.endpoint], e), new RegExp(bucket));
          });
          await t.test('boto3: objects, conditionals, listing, 100 MiB multipart, presigned, errors, CORS, virtual-hosted', () => {
            assert.match(run('python3', [tools, 'sdk'], env(ep)), /sdk ok/);
          });
          await t.test('hand-signed requests: signed aws-chunked body (tampered chunk refused), signed payload hash, clock skew', () => {
            assert.match(run('python3', [tools, 'signing'], env(ep)), /signing ok/);
          });
          if (blobs.name === 's3') {
            await t.test('the bytes live in the object store (exactly the listed objects\' bytes), none under the data directory', () => {
              assert.match(run('python3', [backendsTool, 'blobs-in-object-store'], { ...env(ep), ...store.toolEnv, EXACT: '1' }), /blobs ok/);
              assert.equal(blobFiles(path.join(sandbox.dir, '.ampstack')), 0);
            });
          }
          await t.test('kill -9 during uploads: acknowledged objects intact, no partial object', async () => {
            const ack = path.join(sandbox.dir, 'acked.txt');
            const writer = spawn('python3', [tools, 'crash-write', ack], { env: { ...process.env, ...env(ep) }, stdio: 'inherit' });
            await sleep(2500);
            sandbox.child.kill('SIGKILL');
            await new Promise((r) => writer.once('exit', r));
            const again = await startOn(sandbox.dir, engine.url, store.env);
            try {
              const out = run('python3', [tools, 'crash-verify', ack], env(again.outputs.custom.ampstack.storage_endpoint));
              assert.match(out, /crash ok/);
            } finally {
              again.child.kill('SIGTERM');
              await new Promise((r) => again.child.once('exit', r));
            }
          });
        } finally {
          await sandbox.stop();
          await store.stop();
          fs.rmSync(sandbox.dir, { recursive: true, force: true });
        }
      });
    }
  }
}
