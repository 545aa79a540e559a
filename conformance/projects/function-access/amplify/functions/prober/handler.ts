// Tries S3 and Cognito admin calls with the function's own credentials (the AWS SDK reads them,
// and the endpoints, from the environment as in Lambda) and reports each outcome: 'ok' or the
// error name the service answered.
import { S3Client, GetObjectCommand, PutObjectCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CognitoIdentityProviderClient, ListUsersCommand, AdminDeleteUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/data';
import { getAmplifyDataClientConfig } from '@aws-amplify/backend/function/runtime';

export const handler = async (event: { arguments: { bucket: string; userPoolId: string; tag: string } }) => {
  const { bucket, userPoolId, tag } = event.arguments;
  const s3 = new S3Client({ forcePathStyle: true });
  const idp = new CognitoIdentityProviderClient({});
  const out: Record<string, string> = {};
  const attempt = async (name: string, fn: () => Promise<unknown>) => {
    try {
      const r: any = await fn();
      out[name] = r?.Body ? `ok:${await r.Body.transformToString()}` : 'ok';
    } catch (e: any) {
      out[name] = e.name ?? String(e);
    }
  };
  await attempt('getReport', () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'reports/seed.txt' })));
  await attempt('listReports', () => s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'reports/' })));
  await attempt('putReport', () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `reports/${tag}.txt`, Body: 'no' })));
  await attempt('putInbox', () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `inbox/${tag}.txt`, Body: 'hello' })));
  await attempt('getInbox', () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: `inbox/${tag}.txt` })));
  await attempt('deleteInbox', () => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `inbox/${tag}.txt` })));
  await attempt('listUsers', () => idp.send(new ListUsersCommand({ UserPoolId: userPoolId })));
  await attempt('adminDeleteUser', () => idp.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: 'nobody@example.com' })));
  // The data API through the documented client (only a function with a schema grant gets its
  // configuration); an answer with errors reports the first errorType.
  if (process.env.AMPLIFY_DATA_DEFAULT_NAME) {
    const { resourceConfig, libraryOptions } = await getAmplifyDataClientConfig(process.env as any);
    Amplify.configure(resourceConfig, libraryOptions);
    const client: any = generateClient();
    const graphql = async (name: string, fn: () => Promise<any>) => {
      const r = await fn();
      out[name] = r.errors?.length ? r.errors[0].errorType ?? r.errors[0].message : 'ok';
    };
    await graphql('listReports', () => client.models.Report.list());
    await graphql('createReport', () => client.models.Report.create({ title: tag }));
  } else {
    out.listReports = out.createReport = 'no data access';
  }
  return out;
};
