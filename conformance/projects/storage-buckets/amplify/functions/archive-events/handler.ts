import type { S3Handler } from 'aws-lambda';

export const handler: S3Handler = async (event) => {
  for (const record of event.Records) {
    console.log(`S3EVENT ${record.eventName} ${record.s3.bucket.name} ${record.s3.object.key} ${record.s3.object.size ?? '-'}`);
  }
};
