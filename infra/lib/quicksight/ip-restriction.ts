// QuickSight's own IP restriction: IAM's aws:SourceIp governs AWS API calls, not the QuickSight
// web, mobile and embedded sessions; those are governed by the account's QuickSight IP rules.
// CloudFormation has no resource for them, so a custom resource makes the one call that sets them.
import { BlockList, isIPv4 } from 'node:net';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { suppress } from '../nag.ts';

export type QuickSightIpRestrictionProps = {
  /** Public IPv4 CIDRs the analysts reach QuickSight from. */
  cidrs: string[];
};

/** QuickSight takes at most 100 rules, each a public IPv4 CIDR. */
const MAX_RULES = 100;

const privateRanges = new BlockList();
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['127.0.0.0', 8],
] as const) {
  privateRanges.addSubnet(net, prefix, 'ipv4');
}

/** The rule map QuickSight takes; refuses what QuickSight would refuse at deploy time. */
export function ipRestrictionRules(cidrs: string[]): Record<string, string> {
  if (cidrs.length === 0) throw new Error('QuickSight IP restriction: no CIDR given (sourceCidrs)');
  if (cidrs.length > MAX_RULES) {
    throw new Error(
      `QuickSight IP restriction: ${cidrs.length} CIDRs, QuickSight takes ${MAX_RULES}`,
    );
  }
  const rules: Record<string, string> = {};
  for (const cidr of cidrs) {
    const [address = '', prefix = ''] = cidr.split('/');
    const bits = Number(prefix);
    if (!isIPv4(address) || !/^\d+$/.test(prefix) || bits < 1 || bits > 32) {
      throw new Error(
        `QuickSight IP restriction: "${cidr}" is not an IPv4 CIDR such as 198.51.100.0/24`,
      );
    }
    if (privateRanges.check(address, 'ipv4')) {
      throw new Error(
        `QuickSight IP restriction: "${cidr}" is a private range; QuickSight sees people's public addresses`,
      );
    }
    rules[cidr] = 'Tessera analysts (sourceCidrs)';
  }
  return rules;
}

export class QuickSightIpRestriction extends Construct {
  readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: QuickSightIpRestrictionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const call: cr.AwsSdkCall = {
      service: 'QuickSight',
      action: 'UpdateIpRestriction',
      parameters: {
        AwsAccountId: stack.account,
        Enabled: true,
        IpRestrictionRuleMap: ipRestrictionRules(props.cidrs),
      },
      physicalResourceId: cr.PhysicalResourceId.of(`quicksight-ip-restriction-${stack.account}`),
    };
    // No onDelete: removing the stack must not open QuickSight to every address.
    this.resource = new cr.AwsCustomResource(this, 'Resource', {
      onCreate: call,
      onUpdate: call,
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['quicksight:UpdateIpRestriction'],
          resources: ['*'],
        }),
      ]),
    });
    suppress(this.resource, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'quicksight:UpdateIpRestriction is an account-wide setting with no resource type of its own (the Service Authorization Reference lists none), so IAM accepts only "*"; the policy allows that one action and nothing else.',
        findings: ['Resource::*'],
      },
    ]);
  }
}
