import { defineFunction } from '@aws-amplify/backend';

export const countPosts = defineFunction({ name: 'countPosts' });
