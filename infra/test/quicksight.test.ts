// QuickSight ready on deploy (issue 17): the seed's analysts "will access to AWS QuickSight BI tools
// to perform analysis on the images and its metadata", and "these access can be further
// restricted by IP addresses". Each test's name quotes the sentence it proves.
// (quicksight-views.test.ts checks the datasets against a migrated database.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QUICKSIGHT_GROUPS } from '../lib/access-stack.ts';
import { ipRestrictionRules } from '../lib/quicksight/ip-restriction.ts';
import { FIGURES } from '../lib/quicksight/starter-dashboard.ts';
import { config, logicalIdOf, type Statement, statementsOf, tessera } from './fixture.ts';

const { templates, stacks } = tessera();
const analytics = templates.analytics;
/** A piece of a template, as CloudFormation JSON. */
type Json = ReturnType<typeof analytics.toJSON>;
const resources: Record<string, { Type: string; Properties: Json; DependsOn?: string[] }> =
  analytics.toJSON().Resources;

const ANALYSTS =
  '"The analysts will access to AWS QuickSight BI tools to perform analysis on the images and its metadata."';
const IAM_ACCOUNTS =
  '"The company\'s engineers and analysts will access the AWS resources via IAM accounts with configured policies that only give them permission to relevant resources."';
const BY_IP = '"These access can be further restricted by IP addresses."';

function ofType(type: string) {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** CloudFormation values shown as text: references become ${…} so a test can read them. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(text).join(join[0]);
  return `\${${JSON.stringify(value)}}`;
}

function dataset(view: string) {
  const found = ofType('AWS::QuickSight::DataSet').find(
    ([, r]) =>
      Object.values(r.Properties.PhysicalTableMap as Json)[0].RelationalTable.Name === view,
  );
  assert.ok(found, `no dataset over analytics.${view}`);
  return { id: found[0], properties: found[1].Properties };
}

function transforms(view: string): Json[] {
  return Object.values(dataset(view).properties.LogicalTableMap as Json)[0].DataTransforms;
}

function calculated(view: string, name: string): string {
  const columns = transforms(view).flatMap((t) => t.CreateColumnsOperation?.Columns ?? []);
  const column = columns.find((c: { ColumnName: string }) => c.ColumnName === name);
  assert.ok(column, `no calculated column ${name} in ${view}`);
  return text(column.Expression);
}

/** The one analysis and the one dashboard: [kind, definition]. */
function definitions(): [string, Json][] {
  return ['AWS::QuickSight::Analysis', 'AWS::QuickSight::Dashboard'].map((type) => {
    const found = ofType(type);
    assert.equal(found.length, 1, type);
    return [type, (found[0] as [string, { Properties: Json }])[1].Properties.Definition];
  });
}

function visual(definition: Json, id: string): [string, Json] {
  for (const v of definition.Sheets[0].Visuals) {
    const [kind, body] = Object.entries(v as Json)[0] as [string, Json];
    if (body.VisualId === id) return [kind, body];
  }
  assert.fail(`no visual ${id}`);
}

/** The columns a visual's field wells use, as `dataset identifier.column`. */
function columnsOf(body: Json): string[] {
  const found: string[] = [];
  JSON.stringify(body.ChartConfiguration.FieldWells, (key, value) => {
    if (key === 'Column') found.push(`${value.DataSetIdentifier}.${value.ColumnName}`);
    return value;
  });
  return found;
}

function customResource(action: string): Json[] {
  return ofType('Custom::AWS')
    .map(([, r]) => r.Properties)
    .filter((p) => text(p.Create).includes(`"action":"${action}"`));
}

function groupStatements(group: 'analysts' | 'analystAuthors'): Statement[] {
  return statementsOf(templates.access, logicalIdOf(stacks.access[group]), 'Groups');
}

describe(ANALYSTS, () => {
  describe('datasets over the analytics views', () => {
    test('one SPICE dataset per view, each reading schema analytics through the tessera-analytics data source', () => {
      const dataSourceId = logicalIdOf(stacks.analytics.dataSource);
      const found = ofType('AWS::QuickSight::DataSet');
      assert.deepEqual(found.map(([, r]) => r.Properties.DataSetId).sort(), [
        'tessera-analytics-daily-refusals',
        'tessera-analytics-daily-uploads',
        'tessera-analytics-images',
      ]);
      for (const [, { Properties: p }] of found) {
        assert.equal(p.ImportMode, 'SPICE');
        const table = Object.values(p.PhysicalTableMap as Json)[0].RelationalTable;
        assert.equal(table.Schema, 'analytics');
        assert.deepEqual(table.DataSourceArn, { 'Fn::GetAtt': [dataSourceId, 'Arn'] });
      }
    });

    test('SPICE is refreshed every hour, in full, for every dataset', () => {
      const schedules = ofType('AWS::QuickSight::RefreshSchedule').map(([, r]) => r);
      const datasets = ofType('AWS::QuickSight::DataSet');
      assert.equal(schedules.length, datasets.length);
      for (const [id, { Properties: p }] of datasets) {
        const schedule = schedules.find((s) => s.Properties.DataSetId === p.DataSetId);
        assert.ok(schedule, `${p.DataSetId} has no refresh schedule`);
        assert.equal(schedule.Properties.Schedule.RefreshType, 'FULL_REFRESH');
        assert.equal(schedule.Properties.Schedule.ScheduleFrequency.Interval, 'HOURLY');
        assert.ok(schedule.DependsOn?.includes(id), 'the schedule must wait for its dataset');
      }
    });

    test('the images dataset has preview_url: the gateway’s /api/images/<id>/preview route on the site', () => {
      const distribution = logicalIdOf(stacks.images.site.distribution);
      const expression = calculated('images', 'preview_url');
      assert.match(
        expression,
        /^concat\('https:\/\/\$\{.*\}\/api\/images\/', \{image_id\}, '\/preview'\)$/,
      );
      assert.ok(expression.includes(`GetAtt${distribution}DomainName`), expression);
    });

    test('the images dataset groups by the web dashboard’s size buckets and by camera', () => {
      const sizes = calculated('images', 'size_bucket');
      for (const label of ['< 100 KB', '100 KB – 1 MB', '1 – 5 MB', '5 – 20 MB', '≥ 20 MB']) {
        assert.ok(sizes.includes(`'${label}'`), label);
      }
      assert.match(calculated('images', 'camera'), /\{camera_make\}.*\{camera_model\}/);
    });
  });

  describe('a starter analysis and dashboard, defined in code, with the web dashboard’s figures', () => {
    const expected: Record<string, { kind: string; columns: string[] }> = {
      uploads: {
        kind: 'LineChartVisual',
        columns: ['daily_uploads.day', 'daily_uploads.images', 'daily_uploads.source'],
      },
      formats: {
        kind: 'PieChartVisual',
        columns: ['daily_uploads.format', 'daily_uploads.images'],
      },
      sizes: { kind: 'BarChartVisual', columns: ['images.size_bucket', 'images.image_id'] },
      refusals: {
        kind: 'BarChartVisual',
        columns: ['daily_refusals.reason', 'daily_refusals.refusals'],
      },
      cameras: { kind: 'BarChartVisual', columns: ['images.camera', 'images.image_id'] },
      expiring: { kind: 'BarChartVisual', columns: ['images.expires_at', 'images.image_id'] },
    };

    for (const [type, definition] of definitions()) {
      test(`${type}: uploads per day by source, format mix, sizes, refusals by reason, top cameras, expiring`, () => {
        for (const [id, { kind, columns }] of Object.entries(expected)) {
          const [found, body] = visual(definition, id);
          assert.equal(found, kind, id);
          assert.deepEqual(columnsOf(body).sort(), [...columns].sort(), id);
          assert.equal(body.Title.FormatText.PlainText, FIGURES[id as keyof typeof FIGURES]);
        }
        const [, cameras] = visual(definition, 'cameras');
        assert.equal(
          cameras.ChartConfiguration.SortConfiguration.CategoryItemsLimit.ItemsLimit,
          20,
        );
        const [, uploads] = visual(definition, 'uploads');
        assert.equal(
          uploads.ChartConfiguration.FieldWells.LineChartAggregatedFieldWells.Category[0]
            .DateDimensionField.DateGranularity,
          'DAY',
        );
      });

      test(`${type}: expiring counts stored images due in the next 24 hours, by hour`, () => {
        const [, expiring] = visual(definition, 'expiring');
        assert.equal(
          expiring.ChartConfiguration.FieldWells.BarChartAggregatedFieldWells.Category[0]
            .DateDimensionField.DateGranularity,
          'HOUR',
        );
        const group = definition.FilterGroups.find((g: Json) =>
          g.ScopeConfiguration.SelectedSheets.SheetVisualScopingConfigurations[0].VisualIds.includes(
            'expiring',
          ),
        );
        assert.ok(group, 'no filter on the expiring figure');
        const within = group.Filters.find((f: Json) => f.RelativeDatesFilter).RelativeDatesFilter;
        assert.equal(within.Column.ColumnName, 'expires_at');
        assert.equal(within.RelativeDateType, 'NEXT');
        assert.equal(within.RelativeDateValue, 24);
        assert.equal(within.TimeGranularity, 'HOUR');
        assert.equal(within.AnchorDateConfiguration.AnchorOption, 'NOW');
        const stored = group.Filters.find(
          (f: Json) => f.NumericEqualityFilter,
        ).NumericEqualityFilter;
        assert.equal(stored.Column.ColumnName, 'expired');
        assert.equal(stored.Value, 0);
      });

      test(`${type}: a table of images links each row to its picture (preview_url, new tab)`, () => {
        const [kind, table] = visual(definition, 'images');
        assert.equal(kind, 'TableVisual');
        assert.ok(columnsOf(table).includes('images.preview_url'));
        const options = table.ChartConfiguration.FieldOptions.SelectedFieldOptions.find(
          (o: Json) => o.FieldId === 'images-preview_url',
        );
        assert.equal(options.URLStyling.LinkConfiguration.Target, 'NEW_TAB');
      });

      test(`${type}: every dataset it names is one of the stack’s datasets, under the view’s name`, () => {
        const declared = definition.DataSetIdentifierDeclarations as {
          Identifier: string;
          DataSetArn: unknown;
        }[];
        assert.deepEqual(declared.map((d) => d.Identifier).sort(), [
          'daily_refusals',
          'daily_uploads',
          'images',
        ]);
        for (const { Identifier, DataSetArn } of declared) {
          assert.deepEqual(DataSetArn, { 'Fn::GetAtt': [dataset(Identifier).id, 'Arn'] });
        }
      });
    }
  });

  describe('two analyst groups: authors, who may create analyses, and readers', () => {
    test('QuickSight groups tessera-analyst-authors and tessera-analyst-readers, each custom resource allowed its own group only', () => {
      const created = customResource('CreateGroup');
      assert.equal(created.length, 2);
      for (const name of Object.values(QUICKSIGHT_GROUPS)) {
        const resource = created.find((p) => text(p.Create).includes(`"GroupName":"${name}"`));
        assert.ok(resource, name);
        assert.match(text(resource.Delete), /"action":"DeleteGroup"/);
      }
      const policies = ofType('AWS::IAM::Policy')
        .map(([, r]) => r.Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => JSON.stringify(s).includes('quicksight:CreateGroup'));
      assert.equal(policies.length, 2);
      for (const statements of policies) {
        assert.equal(statements.length, 1);
        assert.match(
          text(statements[0]?.Resource),
          /:group\/default\/tessera-analyst-(authors|readers)$/,
        );
      }
    });

    for (const [group, role] of [
      ['analystAuthors', 'AUTHOR'],
      ['analysts', 'READER'],
    ] as const) {
      test(`${IAM_ACCOUNTS} — ${group}: quicksight:CreateUser only with quicksight:UserRole = ${role}, for their own identity`, () => {
        const creates = groupStatements(group).filter((s) =>
          [s.Action].flat().includes('quicksight:CreateUser'),
        );
        assert.equal(creates.length, 1);
        assert.equal(creates[0]?.Condition?.StringEquals?.['quicksight:UserRole'], role);
        assert.match(text(creates[0]?.Resource), /:quicksight::\d+:user\/\$\{aws:userid\}$/);
        const all = groupStatements(group).flatMap((s) => [s.Action].flat());
        assert.ok(!all.includes('quicksight:CreateAdmin'));
        if (role === 'AUTHOR') assert.ok(!all.includes('quicksight:CreateReader'));
      });

      test(`${group}: may add only themselves, and only to their own QuickSight group`, () => {
        const join = groupStatements(group).find((s) => s.Sid === 'JoinTheQuickSightGroup');
        const own = role === 'AUTHOR' ? QUICKSIGHT_GROUPS.authors : QUICKSIGHT_GROUPS.readers;
        assert.deepEqual([join?.Action].flat(), ['quicksight:CreateGroupMembership']);
        assert.ok(text(join?.Resource).endsWith(`:group/default/${own}`));
        assert.equal(join?.Condition?.StringEquals?.['quicksight:UserName'], `\${aws:username}`);
      });
    }

    test('readers view the dashboard; authors also use the data source and datasets and co-own the starter analysis; nothing more', () => {
      const permissions = (type: string) =>
        ofType(type).flatMap(
          ([, r]) => r.Properties.Permissions as { Principal: unknown; Actions: string[] }[],
        );
      const of = (type: string, group: string) =>
        permissions(type)
          .filter((p) => text(p.Principal).endsWith(`:group/default/${group}`))
          .flatMap((p) => p.Actions);
      const { authors, readers } = QUICKSIGHT_GROUPS;
      for (const type of [
        'AWS::QuickSight::DataSource',
        'AWS::QuickSight::DataSet',
        'AWS::QuickSight::Analysis',
      ]) {
        assert.deepEqual(of(type, readers), [], `readers on ${type}`);
      }
      assert.ok(of('AWS::QuickSight::DataSource', authors).includes('quicksight:PassDataSource'));
      assert.ok(of('AWS::QuickSight::DataSet', authors).includes('quicksight:PassDataSet'));
      // An analysis has one level of sharing, co-owner; a deploy puts the starter back as coded.
      assert.ok(of('AWS::QuickSight::Analysis', authors).includes('quicksight:UpdateAnalysis'));
      for (const group of [authors, readers]) {
        assert.deepEqual(of('AWS::QuickSight::Dashboard', group), [
          'quicksight:DescribeDashboard',
          'quicksight:ListDashboardVersions',
          'quicksight:QueryDashboard',
        ]);
      }
      for (const type of ['AWS::QuickSight::DataSet', 'AWS::QuickSight::Dashboard']) {
        for (const group of [authors, readers]) {
          assert.ok(
            !of(type, group).some((a) => /:(Update|Delete)/.test(a)),
            `${group} may change ${type}`,
          );
        }
      }
    });

    test('QuickSight refuses a permission for a group that does not exist: every shared asset waits for both groups', () => {
      const groups = ofType('Custom::AWS')
        .filter(([, r]) => text(r.Properties.Create).includes('"action":"CreateGroup"'))
        .map(([id]) => id);
      for (const type of [
        'AWS::QuickSight::DataSource',
        'AWS::QuickSight::DataSet',
        'AWS::QuickSight::Analysis',
        'AWS::QuickSight::Dashboard',
      ]) {
        for (const [id, r] of ofType(type)) {
          for (const group of groups)
            assert.ok(r.DependsOn?.includes(group), `${id} before ${group}`);
        }
      }
    });
  });
});

describe(BY_IP, () => {
  test('QuickSight’s own IP restriction (which IAM’s aws:SourceIp does not cover) is turned on for exactly the analysts’ sourceCidrs', () => {
    const [update, ...more] = customResource('UpdateIpRestriction');
    assert.ok(update, 'no custom resource calls UpdateIpRestriction');
    assert.equal(more.length, 0);
    for (const phase of ['Create', 'Update'] as const) {
      const call = JSON.parse(text(update[phase]));
      assert.equal(call.service, 'QuickSight');
      assert.equal(call.parameters.AwsAccountId, config.account);
      assert.equal(call.parameters.Enabled, true);
      assert.deepEqual(Object.keys(call.parameters.IpRestrictionRuleMap), config.sourceCidrs);
    }
    // Deleting the stack must not open QuickSight to every address.
    assert.equal(update.Delete, undefined);
  });

  test('its policy allows UpdateIpRestriction and nothing else', () => {
    const id = ofType('Custom::AWS').find(([, r]) =>
      text(r.Properties.Create).includes('UpdateIpRestriction'),
    )?.[0];
    const policies = ofType('AWS::IAM::Policy').filter(([, r]) =>
      JSON.stringify(r.Properties).includes('quicksight:UpdateIpRestriction'),
    );
    assert.equal(policies.length, 1);
    const [policyId, policy] = policies[0] as [string, { Properties: Json }];
    assert.ok(resources[id ?? '']?.DependsOn?.includes(policyId));
    assert.deepEqual(policy.Properties.PolicyDocument.Statement, [
      { Action: 'quicksight:UpdateIpRestriction', Effect: 'Allow', Resource: '*' },
    ]);
  });

  test('a CIDR QuickSight would refuse at deploy time is refused at synthesis, in words', () => {
    assert.deepEqual(ipRestrictionRules(['198.51.100.0/24']), {
      '198.51.100.0/24': 'Tessera analysts (sourceCidrs)',
    });
    assert.throws(() => ipRestrictionRules(['10.1.0.0/16']), /private range/);
    assert.throws(() => ipRestrictionRules(['2001:db8::/32']), /not an IPv4 CIDR/);
    assert.throws(() => ipRestrictionRules(['198.51.100.0']), /not an IPv4 CIDR/);
    assert.throws(() => ipRestrictionRules([]), /no CIDR/);
    const many = Array.from({ length: 101 }, (_, i) => `198.51.${i}.0/24`);
    assert.throws(() => ipRestrictionRules(many), /QuickSight takes 100/);
  });
});
