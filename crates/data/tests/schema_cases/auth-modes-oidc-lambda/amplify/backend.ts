import { defineBackend } from '@aws-amplify/backend';
import { data } from './data/resource';
import { authorizer } from './functions/authorizer/resource';

defineBackend({
  data,
  authorizer,
});
