import { defineStorage } from '@aws-amplify/backend';

export const storage = defineStorage({
  name: 'todoFiles',
  access: (allow) => ({
    'media/{entity_id}/*': [
      allow.guest.to(['read']),
      allow.entity('identity').to(['read', 'write', 'delete']),
    ],
    'images/*': [allow.authenticated.to(['read', 'write', 'delete'])],
  }),
});
