// The QuickSight groups the datasets, analysis and dashboard are shared with: authors and readers.
// Made through QuickSight's API (CreateGroup, DeleteGroup) by a custom resource, because
// CloudFormation's AWS::QuickSight::Group is not offered in every region.
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export type AnalystGroupsProps = { names: { authors: string; readers: string } };

export class AnalystGroups extends Construct {
  /** The groups' ARNs, for QuickSight resource permissions. */
  readonly arns: { authors: string; readers: string };
  readonly resources: cr.AwsCustomResource[] = [];

  constructor(scope: Construct, id: string, props: AnalystGroupsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const arnOf = (name: string) =>
      `arn:${stack.partition}:quicksight:${stack.region}:${stack.account}:group/default/${name}`;
    this.arns = { authors: arnOf(props.names.authors), readers: arnOf(props.names.readers) };
    for (const [role, name] of Object.entries(props.names)) {
      const group = { AwsAccountId: stack.account, Namespace: 'default', GroupName: name };
      const description = `Tessera analysts: QuickSight ${role} (see docs/deploy-aws.md)`;
      this.resources.push(
        new cr.AwsCustomResource(this, role, {
          onCreate: {
            service: 'QuickSight',
            action: 'CreateGroup',
            parameters: { ...group, Description: description },
            physicalResourceId: cr.PhysicalResourceId.of(arnOf(name)),
          },
          onUpdate: {
            service: 'QuickSight',
            action: 'UpdateGroup',
            parameters: { ...group, Description: description },
            physicalResourceId: cr.PhysicalResourceId.of(arnOf(name)),
          },
          onDelete: { service: 'QuickSight', action: 'DeleteGroup', parameters: group },
          installLatestAwsSdk: false,
          policy: cr.AwsCustomResourcePolicy.fromStatements([
            new iam.PolicyStatement({
              actions: [
                'quicksight:CreateGroup',
                'quicksight:UpdateGroup',
                'quicksight:DeleteGroup',
              ],
              resources: [arnOf(name)],
            }),
          ]),
        }),
      );
    }
  }
}
