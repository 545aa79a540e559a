import { defineStorage } from '@aws-amplify/backend';

// The seeds' rules (photo sharing, files and records) plus a group path with a nested sub-path.
export const mediaFiles = defineStorage({
  name: 'mediaFiles',
  isDefault: true,
  access: (allow) => ({
    'profile-pictures/{entity_id}/*': [
      allow.guest.to(['read']),
      allow.entity('identity').to(['read', 'write', 'delete']),
    ],
    'picture-submissions/*': [
      allow.authenticated.to(['read', 'write']),
      allow.guest.to(['read', 'write']),
    ],
    'images/*': [allow.authenticated.to(['read', 'write', 'delete'])],
    'team/*': [allow.groups(['EDITORS']).to(['read', 'write', 'delete'])],
    'team/drafts/*': [allow.groups(['EDITORS']).to(['read'])],
  }),
});

export const archive = defineStorage({
  name: 'archive',
  access: (allow) => ({
    'private/{entity_id}/*': [allow.entity('identity').to(['read', 'write', 'delete'])],
    'shared/*': [allow.authenticated.to(['read', 'write'])],
  }),
});
