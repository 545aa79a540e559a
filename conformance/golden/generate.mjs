#!/usr/bin/env node
// Golden generator: runs Amplify's real tooling offline over our fixtures.
//
//   node golden/generate.mjs [FIXTURE...]     (names under fixtures/, or paths; default: all)
//
// For each fixture with amplify/data/resource.ts it writes fixtures/<name>/golden/:
//   appsync.graphql            the AppSync schema the real transformer would deploy
//   model-schema.graphql       the directive SDL the construct stores for client codegen
//   model-introspection.json   what amplify_outputs.json carries as data.model_introspection
//
// How: esbuild bundles the data resource (and whatever it imports: function resources,
// generated SQL schemas, ...) with '@aws-amplify/backend' replaced by backend-shim.mjs; the
// schema's own transform() yields the directive SDL; an AmplifyGraphqlApi is synthesised in a
// CDK app (no account, no network) with the authorization modes that @aws-amplify/backend-data
// would compute for this project; the model introspection is generated from the construct's
// model schema exactly as @aws-amplify/model-generator does for amplify_outputs.json.
// All fixtures run in this one process (loading CDK and the transformer once).
// KEEP_CDK_OUT=1 keeps each synthesised app under golden/.work/<name>/cdk.out (real resolvers).
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import * as esbuild from 'esbuild';
import cdk from 'aws-cdk-lib';
import cognito from 'aws-cdk-lib/aws-cognito';
import iam from 'aws-cdk-lib/aws-iam';
import lambda from 'aws-cdk-lib/aws-lambda';
import { AmplifyGraphqlApi, AmplifyGraphqlDefinition } from '@aws-amplify/graphql-api-construct';
import { generateModels } from '@aws-amplify/graphql-generator';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const fixturesDir = path.join(root, 'fixtures');
const workDir = path.join(here, '.work');

const DYNAMODB = { dbType: 'DYNAMODB', provisionStrategy: 'AMPLIFY_TABLE' };
const SQL_DB_TYPES = { mysql: 'MYSQL', postgresql: 'POSTGRES' };
const AUTH_MODE_NAMES = {
  apiKey: 'API_KEY', userPool: 'AMAZON_COGNITO_USER_POOLS', iam: 'AWS_IAM', identityPool: 'AWS_IAM',
  oidc: 'OPENID_CONNECT', lambda: 'AWS_LAMBDA',
};

/** Bundles the fixture's data resource and returns its defineData props. */
async function loadDataProps(fixtureDir, name) {
  const out = path.join(workDir, name, 'data.mjs');
  await esbuild.build({
    entryPoints: [path.join(fixtureDir, 'amplify/data/resource.ts')],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    // Type-only packages and Lambda runtime packages are never needed to build a schema.
    external: ['aws-lambda', '@aws-sdk/*', '@aws-appsync/utils', '$amplify/*'],
    plugins: [{
      name: 'amplify-backend-shim',
      setup(build) {
        build.onResolve({ filter: /^@aws-amplify\/backend$/ }, () => ({ path: path.join(here, 'backend-shim.mjs') }));
      },
    }],
    nodePaths: [path.join(root, 'node_modules')],
  });
  // A fresh URL per run: one process may load several fixtures with equal relative paths.
  const mod = await import(`${url.pathToFileURL(out).href}?t=${Date.now()}`);
  const data = mod.data ?? Object.values(mod).find((v) => v && v.kind === 'data');
  if (!data || data.kind !== 'data') throw new Error('amplify/data/resource.ts exports no defineData(...) result');
  return data.props;
}

/** The SQL statements referenced by a.handler.sqlReference, keyed as the construct expects. */
function customSqlStatements(strategies, fixtureDir) {
  const statements = {};
  for (const { entry } of strategies ?? []) {
    if (entry === undefined) continue;
    const reference = typeof entry === 'string' ? entry : entry.relativePath;
    // The real backend resolves the path against the file that called sqlReference (taken from a
    // stack trace); in a bundle that is the bundle, so look where fixtures keep them: amplify/data.
    const candidates = path.isAbsolute(reference) ? [reference]
      : [path.join(fixtureDir, 'amplify/data', reference), path.join(fixtureDir, 'amplify', reference)];
    const file = candidates.find((f) => fs.existsSync(f));
    if (!file) throw new Error(`sqlReference ${reference}: no such file under amplify/data`);
    statements[reference] = fs.readFileSync(file, 'utf8');
  }
  return statements;
}

/** One schema (string, a.schema, or a member of a.combine) → construct definition, as backend-data does. */
function toDefinition(schema, fixtureDir, transformed) {
  if (typeof schema === 'string') return AmplifyGraphqlDefinition.fromString(schema, DYNAMODB);
  const database = schema.data?.configuration?.database ?? { engine: 'dynamodb' };
  let strategy = DYNAMODB;
  if (database.engine !== 'dynamodb') {
    const secretName = database.connectionUri?.name ?? 'SQL_CONNECTION_STRING';
    strategy = {
      dbType: SQL_DB_TYPES[database.engine],
      name: `golden${database.identifier ?? database.engine}`,
      dbConnectionConfig: { connectionUriSsmPath: [`/amplify/golden/branch/${secretName}`, `/amplify/shared/golden/${secretName}`] },
      vpcConfiguration: database.vpcConfig && {
        vpcId: database.vpcConfig.vpcId,
        securityGroupIds: database.vpcConfig.securityGroupIds,
        subnetAvailabilityZoneConfig: database.vpcConfig.subnetAvailabilityZones,
      },
      customSqlStatements: customSqlStatements(transformed.customSqlDataSourceStrategies, fixtureDir),
    };
  }
  const dataSourceStrategies = AmplifyGraphqlDefinition.fromString(transformed.schema, strategy).dataSourceStrategies;
  const definition = { schema: transformed.schema, functionSlots: transformed.functionSlots ?? [], dataSourceStrategies };
  if (strategy !== DYNAMODB) {
    definition.customSqlDataSourceStrategies = (transformed.customSqlDataSourceStrategies ?? [])
      .map((s) => ({ ...s, strategy }));
  }
  return definition;
}

const placeholderFunction = (stack, id) => new lambda.Function(stack, id, {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => null;'),
});

/** A user pool and identity pool roles, as the auth resource would provide them. */
function authResources(stack) {
  const userPool = new cognito.UserPool(stack, 'UserPool');
  const identityPool = new cognito.CfnIdentityPool(stack, 'IdentityPool', { allowUnauthenticatedIdentities: true });
  const role = (id, amr) => new iam.Role(stack, id, {
    assumedBy: new iam.FederatedPrincipal('cognito-identity.amazonaws.com', {
      StringEquals: { 'cognito-identity.amazonaws.com:aud': identityPool.ref },
      'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': amr },
    }, 'sts:AssumeRoleWithWebIdentity'),
  });
  return {
    userPool,
    identityPoolId: identityPool.ref,
    authenticatedUserRole: role('AuthRole', 'authenticated'),
    unauthenticatedUserRole: role('UnauthRole', 'unauthenticated'),
  };
}

/** The construct's authorizationModes, computed as @aws-amplify/backend-data does. */
function authorizationModes(stack, modes, auth) {
  const usingDefaultApiKey = modes === undefined && auth === undefined;
  let defaultMode = modes?.defaultAuthorizationMode;
  if (!defaultMode) {
    const count = modes ? Object.keys(modes).length : 0;
    if (usingDefaultApiKey) defaultMode = 'apiKey';
    else if (auth && !modes) defaultMode = 'userPool';
    else if (!auth && count === 1 && modes.oidcAuthorizationMode) defaultMode = 'oidc';
    else if (!auth && count === 1 && modes.lambdaAuthorizationMode) defaultMode = 'lambda';
    else if (!auth && count === 1 && modes.apiKeyAuthorizationMode) defaultMode = 'apiKey';
    else throw new Error('A defaultAuthorizationMode is required if multiple authorization modes are configured');
  }
  const result = { defaultAuthorizationMode: AUTH_MODE_NAMES[defaultMode], iamConfig: { enableIamAuthorizationMode: true } };
  if (modes?.apiKeyAuthorizationMode || defaultMode === 'apiKey' || usingDefaultApiKey) {
    const { description, expiresInDays = 7 } = modes?.apiKeyAuthorizationMode ?? {};
    result.apiKeyConfig = { description, expires: cdk.Duration.days(expiresInDays) };
  }
  if (auth) {
    result.userPoolConfig = { userPool: auth.userPool };
    result.identityPoolConfig = {
      identityPoolId: auth.identityPoolId,
      authenticatedUserRole: auth.authenticatedUserRole,
      unauthenticatedUserRole: auth.unauthenticatedUserRole,
    };
  }
  if (modes?.lambdaAuthorizationMode) {
    result.lambdaConfig = {
      function: placeholderFunction(stack, 'LambdaAuthorizer'),
      ttl: cdk.Duration.seconds(modes.lambdaAuthorizationMode.timeToLiveInSeconds ?? 60),
    };
  }
  if (modes?.oidcAuthorizationMode) {
    const o = modes.oidcAuthorizationMode;
    result.oidcConfig = {
      oidcProviderName: o.oidcProviderName,
      oidcIssuerUrl: o.oidcIssuerUrl,
      clientId: o.clientId,
      tokenExpiryFromAuth: cdk.Duration.seconds(o.tokenExpiryFromAuthInSeconds),
      tokenExpiryFromIssue: cdk.Duration.seconds(o.tokenExpireFromIssueInSeconds),
    };
  }
  return { modes: result, sandboxModeEnabled: usingDefaultApiKey };
}

function listFiles(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(p));
    else files.push(p);
  }
  return files;
}

/** Generates one fixture's goldens; returns the list of files written. */
export async function generateFixture(fixtureDir) {
  const name = path.basename(fixtureDir);
  const props = await loadDataProps(fixtureDir, name);
  const hasAuth = fs.existsSync(path.join(fixtureDir, 'amplify/auth/resource.ts'));

  const schemas = props.schema && Array.isArray(props.schema.schemas) ? props.schema.schemas : [props.schema];
  const definitions = [];
  let lambdaFunctions = { ...(props.functions ?? {}) };
  for (const schema of schemas) {
    const transformed = typeof schema === 'string' ? { schema } : schema.transform();
    lambdaFunctions = { ...lambdaFunctions, ...(transformed.lambdaFunctions ?? {}) };
    definitions.push(toDefinition(schema, fixtureDir, transformed));
  }
  const definition = definitions.length === 1 && typeof schemas[0] === 'string'
    ? definitions[0] : AmplifyGraphqlDefinition.combine(definitions);

  const cdkOut = path.join(workDir, name, 'cdk.out');
  fs.rmSync(cdkOut, { recursive: true, force: true });
  const app = new cdk.App({ outdir: cdkOut });
  const stack = new cdk.Stack(app, 'Golden', { env: { account: '123456789012', region: 'us-east-1' } });
  const auth = hasAuth ? authResources(stack) : undefined;
  const { modes, sandboxModeEnabled } = authorizationModes(stack, props.authorizationModes, auth);
  // a.handler.function(...) names a Lambda: a placeholder is all the schema needs.
  const functionNameMap = Object.fromEntries(Object.keys(lambdaFunctions)
    .map((fnName) => [fnName, placeholderFunction(stack, `Fn${fnName}`)]));
  new AmplifyGraphqlApi(stack, 'amplifyData', {
    apiName: 'amplifyData',
    definition,
    authorizationModes: modes,
    functionNameMap,
    translationBehavior: {
      sandboxModeEnabled,
      allowDestructiveGraphqlSchemaUpdates: true,
      _provisionHotswapFriendlyResources: true,
    },
  });
  const assembly = app.synth();

  const files = listFiles(assembly.directory);
  const modelSchemaFile = files.find((f) => path.basename(f) === 'model-schema.graphql');
  const appsyncFile = files.find((f) => f.endsWith('.graphql') && path.basename(f) !== 'model-schema.graphql');
  if (!modelSchemaFile || !appsyncFile) throw new Error('synthesised app has no schema assets');
  const modelSchema = fs.readFileSync(modelSchemaFile, 'utf8');
  const models = await generateModels({ schema: modelSchema, target: 'introspection' });
  const introspection = Object.values(models)[0];

  const goldenDir = path.join(fixtureDir, 'golden');
  fs.mkdirSync(goldenDir, { recursive: true });
  fs.copyFileSync(appsyncFile, path.join(goldenDir, 'appsync.graphql'));
  fs.writeFileSync(path.join(goldenDir, 'model-schema.graphql'), modelSchema);
  fs.writeFileSync(path.join(goldenDir, 'model-introspection.json'),
    `${JSON.stringify(JSON.parse(introspection), null, 2)}\n`);
  if (!process.env.KEEP_CDK_OUT) fs.rmSync(path.join(workDir, name), { recursive: true, force: true });
  return ['appsync.graphql', 'model-schema.graphql', 'model-introspection.json'].map((f) => path.join(goldenDir, f));
}

/** Fixture directories named on the command line (names or paths), or all that have a data resource. */
export function fixtureDirs(args) {
  if (args.length) {
    return args.map((a) => (fs.existsSync(path.join(fixturesDir, a)) ? path.join(fixturesDir, a) : path.resolve(a)));
  }
  return fs.readdirSync(fixturesDir).sort()
    .map((n) => path.join(fixturesDir, n))
    .filter((d) => fs.existsSync(path.join(d, 'amplify/data/resource.ts')));
}

async function main() {
  const started = performance.now();
  const dirs = fixtureDirs(process.argv.slice(2));
  const failures = [];
  // CDK, the transformer and the generator all log; keep our summary readable.
  const quiet = process.env.GOLDEN_VERBOSE ? null : console.warn;
  if (quiet) console.warn = () => {};
  for (const dir of dirs) {
    const t0 = performance.now();
    const name = path.basename(dir);
    try {
      if (!fs.existsSync(path.join(dir, 'amplify/data/resource.ts'))) throw new Error('no amplify/data/resource.ts');
      await generateFixture(dir);
      console.log(`ok    ${name} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
    } catch (e) {
      failures.push(name);
      console.log(`FAIL  ${name}: ${String(e?.message ?? e).split('\n').slice(0, 6).join('\n      ')}`);
      if (process.env.GOLDEN_VERBOSE) console.log(e?.stack);
    }
  }
  if (quiet) console.warn = quiet;
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${dirs.length - failures.length} generated, ${failures.length} failed in ${secs}s`);
  if (failures.length) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === url.fileURLToPath(import.meta.url)) await main();
