// The pure rule behind database inference: do the database's security groups admit the function?
import test from 'ava';
import { databaseAdmission } from '../src/facts/network/databaseAdmission.js';
import { tcp, workingVpc } from './support/networkFixtures.js';

const sgDb = (v: ReturnType<typeof workingVpc>) => v.snapshot.securityGroups.find((g) => g.groupId === 'sg-db')!;

test('admitted by a rule naming one of the function\'s security groups', (t) => {
  const v = workingVpc();
  t.deepEqual(databaseAdmission(v.snapshot, v.target.vpc!, v.target.database!), { verdict: 'admitted', by: 'sg-db ingress sg-fn' });
});

test('admitted by a CIDR only when it covers every subnet of the function', (t) => {
  const v = workingVpc();
  sgDb(v).ingress = [tcp(5432, { cidrs: ['10.0.0.0/20'] })];
  t.deepEqual(databaseAdmission(v.snapshot, v.target.vpc!, v.target.database!), { verdict: 'admitted', by: 'sg-db ingress 10.0.0.0/20' });
  sgDb(v).ingress = [tcp(5432, { cidrs: ['10.0.1.0/24'] })];
  const a = databaseAdmission(v.snapshot, v.target.vpc!, v.target.database!);
  t.is(a.verdict, 'denied');
  t.regex(a.verdict === 'denied' ? a.why : '', /admits nothing on TCP 5432 from sg-fn or 10\.0\.2\.0\/24 \(the function's subnet subnet-fb\)/);
});

test('another port is not admission', (t) => {
  const v = workingVpc();
  sgDb(v).ingress = [tcp(3306, { groupIds: ['sg-fn'] })];
  t.is(databaseAdmission(v.snapshot, v.target.vpc!, v.target.database!).verdict, 'denied');
});

test('a refused DescribeSecurityGroups leaves it unchecked, quoting the refusal', (t) => {
  const v = workingVpc();
  v.snapshot.securityGroups = [];
  v.snapshot.unreadable.push({ action: 'ec2:DescribeSecurityGroups', scope: 'vpc-1', message: 'access denied (ec2:DescribeSecurityGroups)' });
  t.deepEqual(databaseAdmission(v.snapshot, v.target.vpc!, v.target.database!), { verdict: 'unchecked', why: 'security group sg-db could not be read: access denied (ec2:DescribeSecurityGroups)' });
});
