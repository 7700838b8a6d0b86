// The analysts' SQL workspace: statements over the analytics views, run as an analytics SQL login
// (a member of tessera_analytics_reader only), asked for when the workspace opens and kept nowhere.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { SqlEditor, type SqlSchema } from '../../../shared/SqlEditor.tsx';
import { ApiError, api } from '../api.ts';

type Result = {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  ms: number;
};
type Catalog = {
  schemas: { name: string; tables: { name: string; columns: { name: string }[] }[] }[];
};
type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Plan Rows'?: number;
  'Actual Rows'?: number;
  'Actual Total Time'?: number;
  Plans?: PlanNode[];
};

function namespaceOf(catalog: Catalog | undefined): SqlSchema {
  const namespace: Record<string, Record<string, string[]>> = {};
  for (const schema of catalog?.schemas ?? [])
    namespace[schema.name] = Object.fromEntries(
      schema.tables.map((t) => [t.name, t.columns.map((c) => c.name)]),
    );
  return namespace;
}

const cell = (value: unknown) =>
  value === null ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value);

export function SqlWorkspace() {
  const client = useQueryClient();
  const status = useQuery({
    queryKey: ['sql-status'],
    queryFn: () => api<{ open: boolean; rowLimit: number }>('GET', '/api/analytics/sql'),
    placeholderData: undefined,
  });
  const open = status.data?.open ?? false;
  const catalog = useQuery({
    queryKey: ['sql-schema'],
    queryFn: () => api<Catalog>('GET', '/api/analytics/sql/schema'),
    enabled: open,
  });
  // One namespace per catalog: a new one would reconfigure the editor (and close its completion).
  const schema = useMemo(() => namespaceOf(catalog.data), [catalog.data]);
  const [text, setText] = useState('select format, count(*) from analytics.images group by 1');
  const [result, setResult] = useState<Result | null>(null);
  const [plan, setPlan] = useState<PlanNode | null>(null);
  const [error, setError] = useState('');

  const settle = async (work: () => Promise<void>) => {
    setError('');
    try {
      await work();
    } catch (e) {
      if (e instanceof ApiError && e.status === 428)
        await client.invalidateQueries({ queryKey: ['sql-status'] });
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const run = () =>
    settle(async () => {
      setPlan(null);
      setResult(null);
      setResult(await api<Result>('POST', '/api/analytics/sql', { sql: text, params: [] }));
    });
  const explain = () =>
    settle(async () => {
      const answer = await api<{ plan: { Plan: PlanNode }[] }>(
        'POST',
        '/api/analytics/sql/explain',
        {
          sql: text,
          params: [],
          analyze: true,
        },
      );
      setPlan(answer.plan[0]?.Plan ?? null);
    });

  if (status.isLoading) return <div className="loading" aria-busy="true" />;
  if (!open)
    return <OpenForm onOpened={() => client.invalidateQueries({ queryKey: ['sql-status'] })} />;
  return (
    <section className="panel sql-workspace" data-testid="sql-workspace">
      <SqlEditor value={text} onChange={setText} onRun={run} schema={schema} />
      <div className="sql-actions">
        <button type="button" className="button" onClick={run}>
          Run (Ctrl-Enter)
        </button>
        <button type="button" className="button subtle" onClick={explain}>
          Plan
        </button>
        <button
          type="button"
          className="button subtle"
          onClick={async () => {
            await api('POST', '/api/analytics/sql/close');
            await client.invalidateQueries({ queryKey: ['sql-status'] });
          }}
        >
          Close
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert" data-testid="sql-error">
          {error}
        </p>
      )}
      {plan && (
        <ul className="sql-plan" data-testid="sql-plan">
          <PlanItem node={plan} />
        </ul>
      )}
      {result && (
        <>
          <p className="muted" data-testid="sql-summary">
            {result.rowCount} rows in {result.ms} ms
            {result.truncated ? ` (the first ${status.data?.rowLimit} only)` : ''}
          </p>
          <div className="sql-result">
            <table>
              <thead>
                <tr>
                  {result.columns.map((c, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
                    <th key={i} title={c.type}>
                      {c.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {result.rows.map((row, r) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
                  <tr key={r}>
                    {row.map((value, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
                      <td key={i}>{cell(value)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function PlanItem({ node }: { node: PlanNode }) {
  return (
    <li>
      <strong>{node['Node Type']}</strong>
      {node['Relation Name'] ? ` on ${node['Relation Name']}` : ''} · est. {node['Plan Rows']} rows
      {node['Actual Rows'] !== undefined &&
        ` · ${node['Actual Total Time']} ms · ${node['Actual Rows']} rows`}
      {node.Plans && (
        <ul>
          {node.Plans.map((child, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: plan children are positional
            <PlanItem key={i} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}

function OpenForm({ onOpened }: { onOpened: () => void }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api('POST', '/api/analytics/sql/open', { login, password });
      setPassword('');
      onOpened();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <form className="panel sql-open" onSubmit={submit}>
      <h2>SQL over the analytics views</h2>
      <p className="muted">
        Statements run as your analytics SQL login (from <code>tessera analytics sql-login</code>),
        which reads the analytics views and nothing else. Its password is not kept.
      </p>
      <label>
        Analytics login
        <input
          className="sql-field"
          name="sql-login"
          value={login}
          onChange={(e) => setLogin(e.target.value)}
        />
      </label>
      <label>
        Password
        <input
          className="sql-field"
          name="sql-password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button">
        Open
      </button>
    </form>
  );
}
