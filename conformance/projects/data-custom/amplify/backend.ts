import { defineBackend } from '@aws-amplify/backend';
import { aws_dynamodb } from 'aws-cdk-lib';
import { auth } from './auth/resource';
import { data } from './data/resource';

const backend = defineBackend({ auth, data });

// The seeds' external DynamoDB table as a data source for custom handlers.
const externalDataSourcesStack = backend.createStack('MyExternalDataSources');
const externalTable = aws_dynamodb.Table.fromTableName(externalDataSourcesStack, 'MyExternalPostTable', 'PostTable');
backend.data.addDynamoDbDataSource('ExternalPostTableDataSource', externalTable);
