import { defineBackend } from '@aws-amplify/backend';
import { data } from './data/resource';
import * as fns from './functions/resource';

defineBackend({ data, ...fns });
