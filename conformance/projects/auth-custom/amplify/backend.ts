import { defineBackend } from '@aws-amplify/backend';
import { auth, preTokenGeneration } from './auth/resource';

const backend = defineBackend({ auth, preTokenGeneration });

// Version 2 of the pre token generation event (access token customisation).
backend.auth.resources.cfnResources.cfnUserPool.addPropertyOverride('LambdaConfig.PreTokenGenerationConfig', {
  LambdaArn: backend.preTokenGeneration.resources.lambda.functionArn,
  LambdaVersion: 'V2_0',
});
