import { defineFunction } from '@aws-amplify/backend';

// onUpload / onDelete trigger of the archive bucket: logs each S3 event record it receives.
export const archiveEvents = defineFunction({ name: 'archiveEvents', entry: './handler.ts' });
