import { InspectError } from '../errors.js';

export interface FunctionTarget {
  /** What GetFunction takes: a name or a full ARN. */
  functionName: string;
  qualifier: string | undefined;
  /** The region the ARN names, if it names one. */
  region: string | undefined;
  accountId: string | undefined;
}

const ARN = /^arn:(aws[\w-]*):lambda:([\w-]+):(\d{12}):function:([\w-]+)(?::([\w$-]+))?$/;
const NAME = /^([\w-]{1,140})(?::([\w$-]{1,128}))?$/;

/** "name", "name:alias", "arn:aws:lambda:REGION:ACCOUNT:function:name[:qualifier]". */
export function parseFunctionTarget(target: string): FunctionTarget {
  const arn = ARN.exec(target);
  if (arn) {
    return { functionName: `arn:${arn[1]}:lambda:${arn[2]}:${arn[3]}:function:${arn[4]}`, qualifier: arn[5], region: arn[2], accountId: arn[3] };
  }
  const name = NAME.exec(target);
  if (name) return { functionName: name[1]!, qualifier: name[2], region: undefined, accountId: undefined };
  throw new InspectError('bad-target', `${target}: not a Lambda function name or function ARN`);
}
