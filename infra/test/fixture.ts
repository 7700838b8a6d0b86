// One synthesized app per test file (synthesis is the slow part), with settings that differ from
// the defaults where a test must see a configured value flow through.
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { defaultConfig, type TesseraConfig } from '../lib/config.ts';
import type { ServiceFleet } from '../lib/constructs/service-fleet.ts';
import { buildTessera, type TesseraStacks } from '../lib/tessera-app.ts';

export const config: TesseraConfig = {
  ...defaultConfig('123456789012', 'eu-west-1'),
  sourceCidrs: ['198.51.100.0/24', '192.0.2.10/32'],
  officeCidrs: ['10.100.0.0/16'],
  vpnCidrs: ['10.200.0.0/22'],
  release: { bucketName: 'acme-releases', key: 'tessera/tessera-1.2.3.tgz' },
  alarmEmail: 'ops@example.com',
};

export type Built = {
  app: App;
  stacks: TesseraStacks;
  templates: Record<keyof TesseraStacks, Template>;
};

let built: Built | undefined;

/** The app as the tests' settings give it, synthesized once per test file. */
export function tessera(): Built {
  built ??= synthesize(config);
  return built;
}

/** A whole app with other settings: for a test file that needs one (one synthesis per file). */
export function synthesize(settings: TesseraConfig): Built {
  const app = new App();
  const stacks = buildTessera(app, settings);
  const templates = Object.fromEntries(
    Object.entries(stacks).map(([name, stack]) => [name, Template.fromStack(stack)]),
  ) as Record<keyof TesseraStacks, Template>;
  return { app, stacks, templates };
}

export type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** Every statement of the policies attached to a group, role or user (by logical id). */
export function statementsOf(
  template: Template,
  logicalId: string,
  attachedAs: 'Groups' | 'Roles',
): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties[attachedAs] ?? []).some((ref: { Ref?: string }) => ref.Ref === logicalId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

/** The CloudFormation logical id of a construct (its default child for L2 constructs). */
export function logicalIdOf(construct: IConstruct): string {
  const element = CfnElement.isCfnElement(construct)
    ? construct
    : (construct.node.defaultChild ?? construct.node.tryFindChild('Resource'));
  if (!element || !CfnElement.isCfnElement(element))
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).resolve(element.logicalId) as string;
}

/** The user data of a fleet's launch template, with CloudFormation references shown as ${…}. */
export function userDataOf(template: Template, fleet: ServiceFleet): string {
  const id = logicalIdOf(fleet.node.findChild('LaunchTemplate'));
  const resource = template.toJSON().Resources[id];
  const parts: unknown[] =
    resource.Properties.LaunchTemplateData.UserData['Fn::Base64']['Fn::Join'][1];
  return parts.map((p) => (typeof p === 'string' ? p : `\${${JSON.stringify(p)}}`)).join('');
}
