// Data (issue 4): OIDC authorization (`oidcAuthorizationMode`) with the real aws-amplify client
// (`authMode: 'oidc'`, tokens from a token provider in Amplify.configure's library options).
// The test runs its own OIDC issuer (discovery document + JWKS, RSA keys made here) and points
// conformance/projects/data-oidc at it; on SQLite and, when configured, PostgreSQL.
import { test } from 'node:test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

function newKey() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = crypto.randomBytes(6).toString('hex');
  return { kid, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }), jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } };
}

/** A minimal OIDC issuer: discovery, JWKS, and /rotate (adds a key and returns it) for the test. */
async function startIssuer() {
  const keys = [newKey()];
  const server = http.createServer((req, res) => {
    const json = (v) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(v)); };
    if (req.url === '/.well-known/openid-configuration') json({ issuer, jwks_uri: `${issuer}/jwks` });
    else if (req.url === '/jwks') json({ keys: keys.map((k) => k.jwk) });
    else if (req.url === '/rotate') { const k = newKey(); keys.push(k); json({ kid: k.kid, pem: k.pem }); }
    else { res.writeHead(404); res.end(); }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return { issuer, key: keys[0], close: () => server.close() };
}

if (!fs.existsSync(bin)) {
  test('OIDC against the sandbox', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`data: OIDC authorization with an external issuer (${engine.name})`, { timeout: 300_000 }, async (t) => {
      const issuer = await startIssuer();
      const sandbox = await startSandbox({ project: 'conformance/projects/data-oidc', databaseUrl: engine.url, env: { AMPSTACK_TEST_OIDC_ISSUER: issuer.issuer } });
      try {
        await t.test('owner, authenticated and group rules over OIDC tokens; bad tokens refused', (t2) =>
          runScenario(t2, path.join(here, 'support/oidc-scenario.mjs'), sandbox, {
            OIDC_ISSUER: issuer.issuer, OIDC_KID: issuer.key.kid, OIDC_KEY: issuer.key.pem,
          }));
      } finally {
        await sandbox.stop();
        issuer.close();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
