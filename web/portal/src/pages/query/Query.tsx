// The query workspace: SQL run as the signed-in person's own database login, so what they may
// read is what the database grants them. Opening it asks for their database password again.
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  List,
  ListItemButton,
  ListItemText,
  Stack,
  Tab,
  Tabs,
  TextField,
  Typography,
} from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { HttpError, Title } from 'react-admin';
import { SqlEditor, type SqlSchema } from '../../../../shared/SqlEditor.tsx';
import { api, currentCsrfToken } from '../../api.ts';
import { PlanTree } from './PlanTree.tsx';
import { type Column, ResultGrid } from './ResultGrid.tsx';

type Result = {
  columns: Column[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  ms: number;
};
type Refusal = { message: string; sqlstate?: string; position?: number | null };
type Catalog = {
  schemas: {
    name: string;
    tables: { name: string; columns: { name: string }[] }[];
  }[];
};
type Saved = {
  id: number;
  owner: string;
  team: string;
  name: string;
  sql: string;
  description: string;
  shared: boolean;
};
type HistoryEntry = {
  id: number;
  statement: string;
  started_at: string;
  ms: number;
  row_count: number | null;
  error: string | null;
};

/** The catalog as CodeMirror's completion namespace: schema → table → columns. */
function namespaceOf(catalog: Catalog | undefined): SqlSchema {
  const namespace: Record<string, Record<string, string[]>> = {};
  for (const schema of catalog?.schemas ?? []) {
    namespace[schema.name] = Object.fromEntries(
      schema.tables.map((t) => [t.name, t.columns.map((c) => c.name)]),
    );
  }
  return namespace;
}

function refusalOf(error: unknown): Refusal {
  if (error instanceof HttpError) return { ...(error.body as Refusal), message: error.message };
  return { message: String(error) };
}

export function QueryPage() {
  const client = useQueryClient();
  const status = useQuery({
    queryKey: ['sql-status'],
    queryFn: () =>
      api<{ open: boolean; rowLimit: number; statementTimeoutMs: number }>('GET', '/api/sql'),
  });
  const open = status.data?.open ?? false;
  const catalog = useQuery({
    queryKey: ['sql-schema'],
    queryFn: () => api<Catalog>('GET', '/api/sql/schema'),
    enabled: open,
  });
  // One namespace per catalog: a new one would reconfigure the editor (and close its completion).
  const schema = useMemo(() => namespaceOf(catalog.data), [catalog.data]);
  const saved = useQuery({
    queryKey: ['queries'],
    queryFn: () => api<{ data: Saved[] }>('GET', '/api/queries'),
  });
  const history = useQuery({
    queryKey: ['sql-history'],
    queryFn: () => api<{ data: HistoryEntry[] }>('GET', '/api/sql/history'),
  });

  const [text, setText] = useState('select 1');
  const [result, setResult] = useState<Result | null>(null);
  const [plan, setPlan] = useState<unknown>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const [side, setSide] = useState(0);
  const [saving, setSaving] = useState(false);

  const settle = async (work: () => Promise<void>) => {
    setBusy(true);
    setRefusal(null);
    try {
      await work();
    } catch (error) {
      // The workspace closed (idle, another portal instance): ask for the password again.
      if (error instanceof HttpError && error.status === 428)
        await client.invalidateQueries({ queryKey: ['sql-status'] });
      setRefusal(refusalOf(error));
    } finally {
      setBusy(false);
      await client.invalidateQueries({ queryKey: ['sql-history'] });
    }
  };
  const run = (sql = text) =>
    settle(async () => {
      setPlan(null);
      setResult(null);
      setResult(await api<Result>('POST', '/api/sql', { sql, params: [] }));
    });
  const runSaved = (query: Saved) =>
    settle(async () => {
      setText(query.sql);
      setPlan(null);
      setResult(null);
      setResult(await api<Result>('POST', `/api/queries/${query.id}/run`, {}));
    });
  const explain = (analyze: boolean) =>
    settle(async () => {
      setPlan(
        (
          await api<{ plan: unknown }>('POST', '/api/sql/explain', {
            sql: text,
            params: [],
            analyze,
          })
        ).plan,
      );
    });
  const download = () =>
    settle(async () => {
      const response = await fetch('/api/sql/csv', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': currentCsrfToken() },
        body: JSON.stringify({ sql: text, params: [] }),
      });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new HttpError(
          body.message ?? `The server answered ${response.status}.`,
          response.status,
          body,
        );
      }
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await response.blob());
      link.download = 'query.csv';
      link.click();
      URL.revokeObjectURL(link.href);
    });

  if (status.isLoading) return null;
  if (!open)
    return (
      <OpenWorkspace onOpened={() => client.invalidateQueries({ queryKey: ['sql-status'] })} />
    );

  return (
    <Stack direction="row" spacing={2} sx={{ mt: 1, minWidth: 0, maxWidth: '100%' }}>
      <Title title="Query" />
      <Box sx={{ flex: 1, minWidth: 0, overflow: 'hidden' }}>
        <Card>
          <CardContent>
            <SqlEditor value={text} onChange={setText} onRun={() => run()} schema={schema} />
            <Stack direction="row" spacing={1} useFlexGap sx={{ mt: 1, flexWrap: 'wrap' }}>
              <Button variant="contained" onClick={() => run()} disabled={busy}>
                Run (Ctrl-Enter)
              </Button>
              <Button onClick={() => explain(false)} disabled={busy}>
                Plan
              </Button>
              <Button onClick={() => explain(true)} disabled={busy}>
                Plan with actual times
              </Button>
              <Button onClick={download} disabled={busy}>
                CSV
              </Button>
              <Button onClick={() => setSaving(true)}>Save…</Button>
              <Box sx={{ flex: 1 }} />
              <Button
                color="inherit"
                onClick={async () => {
                  await api('POST', '/api/sql/close');
                  await client.invalidateQueries({ queryKey: ['sql-status'] });
                }}
              >
                Close workspace
              </Button>
            </Stack>
            <Typography variant="caption" color="text.secondary">
              Runs as you, read-only, up to {(status.data?.statementTimeoutMs ?? 0) / 1000} s and{' '}
              {status.data?.rowLimit} rows shown (the CSV has them all).
            </Typography>
          </CardContent>
        </Card>
        {refusal && (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="refusal">
            {refusal.message}
            {refusal.sqlstate &&
              ` (SQLSTATE ${refusal.sqlstate}${refusal.position ? `, at character ${refusal.position}` : ''})`}
          </Alert>
        )}
        {plan !== null && (
          <Card sx={{ mt: 2 }}>
            <CardContent>
              <Typography variant="h6">Plan</Typography>
              <PlanTree plan={plan} />
            </CardContent>
          </Card>
        )}
        {result && (
          <Card sx={{ mt: 2 }}>
            <CardContent>
              <Typography variant="body2" sx={{ mb: 1 }} data-testid="result-summary">
                {result.rowCount} row{result.rowCount === 1 ? '' : 's'} in {result.ms} ms
                {result.truncated && ' — more rows than shown: download the CSV for all'}
              </Typography>
              <ResultGrid columns={result.columns} rows={result.rows} />
            </CardContent>
          </Card>
        )}
      </Box>
      <Card sx={{ width: 320, flexShrink: 0, alignSelf: 'flex-start' }}>
        <Tabs value={side} onChange={(_e, v) => setSide(v)} variant="fullWidth">
          <Tab label="Saved" />
          <Tab label="History" />
        </Tabs>
        <List dense sx={{ maxHeight: 560, overflow: 'auto' }}>
          {side === 0 &&
            (saved.data?.data ?? []).map((q) => (
              <ListItemButton key={q.id} onClick={() => runSaved(q)} data-testid="saved-query">
                <ListItemText
                  primary={q.name}
                  secondary={`${q.shared ? 'shared' : 'private'} · ${q.owner} (${q.team})${q.description ? ` · ${q.description}` : ''}`}
                />
              </ListItemButton>
            ))}
          {side === 1 &&
            (history.data?.data ?? []).map((h) => (
              <ListItemButton key={h.id} onClick={() => setText(h.statement)}>
                <ListItemText
                  primary={
                    <Box component="span" sx={{ fontFamily: 'monospace' }}>
                      {h.statement.slice(0, 120)}
                    </Box>
                  }
                  secondary={`${new Date(h.started_at).toLocaleString()} · ${h.ms} ms · ${h.error ?? `${h.row_count ?? 0} rows`}`}
                />
              </ListItemButton>
            ))}
        </List>
      </Card>
      <SaveDialog
        open={saving}
        sql={text}
        onClose={async (done) => {
          setSaving(false);
          if (done) await client.invalidateQueries({ queryKey: ['queries'] });
        }}
      />
    </Stack>
  );
}

function OpenWorkspace({ onOpened }: { onOpened: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const submit = async () => {
    try {
      await api('POST', '/api/sql/open', { password });
      setPassword('');
      onOpened();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Card sx={{ mt: 2, maxWidth: 520 }}>
      <Title title="Query" />
      <CardContent>
        <Typography variant="h6">Open your query workspace</Typography>
        <Typography variant="body2" sx={{ my: 1 }}>
          Queries run as your own database login, with exactly your rights. Enter your database
          password to open a connection as you; it is not kept.
        </Typography>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <TextField
            type="password"
            label="Database password"
            name="workspace-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            fullWidth
            autoFocus
          />
          {error && (
            <Alert severity="error" sx={{ mt: 1 }}>
              {error}
            </Alert>
          )}
          <Button type="submit" variant="contained" sx={{ mt: 2 }}>
            Open
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}

function SaveDialog({
  open,
  sql,
  onClose,
}: {
  open: boolean;
  sql: string;
  onClose: (saved: boolean) => void;
}) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [shared, setShared] = useState(false);
  const [error, setError] = useState('');
  const save = async () => {
    try {
      await api('POST', '/api/queries', { name, sql, description, shared });
      setName('');
      setDescription('');
      setError('');
      onClose(true);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Dialog open={open} onClose={() => onClose(false)} fullWidth>
      <DialogTitle>Save this query</DialogTitle>
      <DialogContent>
        <TextField
          label="Name"
          name="query-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          fullWidth
          margin="dense"
        />
        <TextField
          label="Description"
          name="query-description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          fullWidth
          margin="dense"
        />
        <FormControlLabel
          control={
            <Checkbox
              checked={shared}
              onChange={(e) => setShared(e.target.checked)}
              name="query-shared"
            />
          }
          label="Shared: everyone sees it (it runs with their own rights)"
        />
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose(false)}>Cancel</Button>
        <Button variant="contained" onClick={save}>
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}
