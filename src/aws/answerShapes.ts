import { InspectError } from '../errors.js';
import { shapeProblem, type Shape } from '../outsideShape.js';

/**
 * The parts of each AWS answer the inspector relies on. The SDK passes a
 * field of the wrong type through as it came (a string CodeSize, a null
 * Location, an empty answer for a body that is not JSON), so every answer
 * is checked here before it is used.
 */
const STRINGS = { array: 'string' } as const;

export const GET_FUNCTION: Shape = {
  object: {
    Configuration: {
      object: {
        FunctionName: 'string', FunctionArn: 'string', Runtime: 'string', Handler: 'string', PackageType: { oneOf: ['Zip', 'Image'] },
        Architectures: STRINGS, CodeSha256: 'string', CodeSize: 'integer', LastModified: 'string', Timeout: 'integer',
        VpcConfig: { object: { SubnetIds: STRINGS, SecurityGroupIds: STRINGS }, optional: ['SubnetIds', 'SecurityGroupIds'] },
        Layers: { array: { object: { Arn: 'string', CodeSize: 'integer' }, optional: ['CodeSize'] }, max: 64 },
      },
      optional: ['FunctionName', 'FunctionArn', 'Runtime', 'Handler', 'PackageType', 'Architectures', 'CodeSha256', 'CodeSize', 'LastModified', 'Timeout', 'VpcConfig', 'Layers'],
    },
    Code: { object: { Location: 'string', ImageUri: 'string' }, optional: ['Location', 'ImageUri'] },
    Tags: { record: 'string' },
  },
  optional: ['Code', 'Tags'],
};

/** What reading a zip function's code needs on top of GET_FUNCTION. */
export const GET_FUNCTION_ZIP: Shape = {
  object: { Configuration: { object: { CodeSize: 'integer' } }, Code: { object: { Location: 'string' } } },
};

export const GET_LAYER_VERSION: Shape = {
  object: { Content: { object: { Location: 'string', CodeSha256: 'string', CodeSize: 'integer' }, optional: ['CodeSha256'] } },
};

export const DESCRIBE_STACKS: Shape = {
  object: {
    Stacks: {
      array: {
        object: { StackName: 'string', StackId: 'string', CreationTime: 'date', Tags: { array: { object: { Key: 'string', Value: 'string' } } } },
        optional: ['StackName', 'StackId', 'CreationTime', 'Tags'],
      },
    },
  },
  optional: ['Stacks'],
};

export const LIST_SECRETS_PAGE: Shape = {
  object: {
    SecretList: {
      array: {
        object: { Name: 'string', ARN: 'string', RotationEnabled: 'boolean', RotationLambdaARN: 'string', LastRotatedDate: 'date' },
        optional: ['Name', 'ARN', 'RotationEnabled', 'RotationLambdaARN', 'LastRotatedDate'],
      },
    },
  },
  optional: ['SecretList'],
};

/** Throws `bad-answer` naming the API and the field when `answer` does not have `shape`. */
export function checkAnswer<T>(answer: T, shape: Shape, action: string, resource: string): T {
  const problem = shapeProblem(answer, shape);
  if (problem) throw new InspectError('bad-answer', `${resource}: ${action} answer: ${problem}`);
  return answer;
}
