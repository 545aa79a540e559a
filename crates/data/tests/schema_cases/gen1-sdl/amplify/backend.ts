import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';
import { countPosts } from './functions/count-posts/resource';

defineBackend({
  auth,
  data,
  countPosts,
});
