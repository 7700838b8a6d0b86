// cdk-nag 3 runs as a CDK policy-validation plugin; an exception to one of its rules is an
// acknowledgement recorded on the construct (and its children), always with a reason.
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export type Suppression = {
  /** The rule, e.g. AwsSolutions-IAM5. */
  id: string;
  reason: string;
  /** Only these findings of the rule, e.g. 'Resource::*' (cdk-nag reports them as id[finding]). */
  findings?: string[];
};

export function suppress(scope: IConstruct, suppressions: Suppression[]): void {
  for (const { id, reason, findings } of suppressions) {
    const ids = findings ? findings.map((finding) => `${id}[${finding}]`) : [id];
    for (const rule of ids) Validations.of(scope).acknowledge({ id: rule, reason });
  }
}

/** The AWS Solutions rules on the whole app; acknowledgements also go into the templates. */
export function checkWithCdkNag(app: IConstruct): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
}

/** Session Manager needs this AWS-maintained policy; writing our own copy would only drift. */
export const ssmManagedPolicy: Suppression = {
  id: 'AwsSolutions-IAM4',
  reason:
    'AmazonSSMManagedInstanceCore is the AWS-maintained minimum for Session Manager, which replaces SSH on every instance.',
  findings: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore'],
};
