import type { FunctionPolicy } from '../checks/functionChecks.js';
import type { FunctionConfig } from '../diagnose/diagnose.js';
import { awsError, type AwsCallContext } from './awsErrors.js';
import { sdk, type AwsClients, type CallOptions } from './session.js';

export interface FunctionConfigAnswer {
  config: FunctionConfig;
  vpcId: string | null;
  /** VpcConfig; null when the function is not in a VPC */
  vpc: { vpcId: string; subnetIds: string[]; securityGroupIds: string[] } | null;
  /** the execution role ARN */
  role: string | null;
}

/** lambda:GetFunctionConfiguration: timeout, log group (LoggingConfig.LogGroup) and format, VPC. Throws InspectError. */
export async function functionConfig(clients: AwsClients, functionArn: string, tags: Record<string, string>, ctx: (action: string) => AwsCallContext, call: () => CallOptions): Promise<FunctionConfigAnswer> {
  const s = await sdk();
  try {
    const c = await clients.lambda.send(new s.lambda.GetFunctionConfigurationCommand({ FunctionName: functionArn }), call());
    const name = c.FunctionName ?? functionArn.split(':')[6] ?? functionArn;
    return {
      config: {
        name, arn: c.FunctionArn ?? functionArn, timeout: c.Timeout ?? null,
        logGroup: c.LoggingConfig?.LogGroup || `/aws/lambda/${name}`,
        logFormat: c.LoggingConfig?.LogFormat === 'JSON' ? 'JSON' : 'Text',
        tags,
      },
      vpcId: c.VpcConfig?.VpcId || null,
      vpc: c.VpcConfig?.VpcId && (c.VpcConfig.SubnetIds ?? []).length > 0
        ? { vpcId: c.VpcConfig.VpcId, subnetIds: c.VpcConfig.SubnetIds ?? [], securityGroupIds: c.VpcConfig.SecurityGroupIds ?? [] }
        : null,
      role: c.Role ?? null,
    };
  } catch (e) {
    throw awsError(e, ctx('lambda:GetFunctionConfiguration'));
  }
}

/** lambda:GetPolicy: the resource policy, null when the function has none; a refusal is reported, not thrown. */
export async function functionPolicy(clients: AwsClients, functionArn: string, ctx: (action: string) => AwsCallContext, call: () => CallOptions): Promise<FunctionPolicy> {
  const s = await sdk();
  try {
    const out = await clients.lambda.send(new s.lambda.GetPolicyCommand({ FunctionName: functionArn }), call());
    return { document: out.Policy ?? null };
  } catch (e) {
    const err = e as { name?: string; message?: string };
    if (err.name === 'ResourceNotFoundException' && !/Function not found/i.test(err.message ?? '')) return { document: null };
    return { error: awsError(e, ctx('lambda:GetPolicy')).message };
  }
}
