// cdk-nag's AwsSolutions rules over the whole app: no error left, and every acknowledged rule
// carries a reason someone can weigh. (cdk-nag 3 reports through CDK's policy validation, not
// annotations, so the checks run the rule pack directly on the synthesized tree.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { tessera } from './fixture.ts';

type Violation = {
  ruleName: string;
  severity: string;
  violatingResources: { constructPath: string }[];
};

function runAwsSolutions(scope: IConstruct): Violation[] {
  return new AwsSolutionsChecks().validateScope(scope).violations as Violation[];
}

function describeViolations(violations: Violation[]): string {
  return violations
    .map(
      (v) =>
        `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    )
    .join('\n');
}

/** Every acknowledgement recorded in the tree: [construct path, rule id, reason]. */
function acknowledgements(root: IConstruct): [string, string, string][] {
  return root.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(
            ([id, reason]): [string, string, string] => [construct.node.path, id, reason],
          ),
        ),
    );
}

describe('cdk-nag AwsSolutions', () => {
  const { app } = tessera();
  app.synth();

  test('the rule pack does find problems (a canary: an unencrypted, unlogged bucket)', () => {
    const canary = new App();
    new s3.Bucket(new Stack(canary, 'Canary'), 'Plain', { removalPolicy: RemovalPolicy.DESTROY });
    const rules = runAwsSolutions(canary).map((v) => v.ruleName);
    assert.ok(rules.includes('AwsSolutions-S1'), rules.join(', '));
    assert.ok(rules.includes('AwsSolutions-S10'), rules.join(', '));
  });

  test('reports no unacknowledged error on any stack', () => {
    const errors = runAwsSolutions(app).filter((v) => v.severity === 'error');
    assert.deepEqual(errors, [], describeViolations(errors));
  });

  test('reports no warning either', () => {
    const warnings = runAwsSolutions(app).filter((v) => v.severity !== 'error');
    assert.deepEqual(warnings, [], describeViolations(warnings));
  });

  test('every acknowledged rule carries a written reason of substance', () => {
    const acknowledged = acknowledgements(app).filter(([, id]) => /AwsSolutions-/.test(id));
    assert.ok(acknowledged.length > 0);
    for (const [path, id, reason] of acknowledged) {
      assert.ok(reason.trim().length >= 60, `${path} ${id}: reason too short: "${reason}"`);
      assert.ok(
        !/^(n\/?a|todo|tbd|not needed|not required|ok|fine|ignore|suppressed?)\.?$/i.test(
          reason.trim(),
        ),
        `${path} ${id}: "${reason}" is no reason`,
      );
    }
  });

  test('acknowledgements name rules, not whole packs', () => {
    for (const [path, id] of acknowledgements(app).filter(([, id]) =>
      id.includes('AwsSolutions'),
    )) {
      assert.match(id, /AwsSolutions-[A-Z]+[0-9]+(\[.+\])?$/, `${path}: ${id}`);
    }
  });
});
