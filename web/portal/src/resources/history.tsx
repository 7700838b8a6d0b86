// A record's history: its audit entries, newest first, for those the database lets read them.
import { Alert, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import type { RaRecord } from 'react-admin';
import { api } from '../api.ts';
import { Changes } from './audit.tsx';

type Entry = RaRecord & {
  audit_id: number;
  changed_at: string;
  actor: string;
  action: string;
  table_name: string | null;
  row_key: Record<string, unknown> | null;
  batch_id: string | null;
};

/** What an entry is about: a line of a transaction names its item. */
const about = (entry: Entry) =>
  entry.table_name === 'transacted_items'
    ? `line: item ${entry.row_key?.item_id}`
    : entry.table_name;

export function History({ table, id }: { table: 'transactions' | 'items'; id: unknown }) {
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  useEffect(() => {
    if (id === undefined) return;
    api<{ data: Entry[] }>('GET', `/api/${table}/${encodeURIComponent(String(id))}/history`)
      .then((answer) => setEntries(answer.data.map((e) => ({ ...e, id: e.audit_id }))))
      .catch((error: Error) => setRefusal(error.message));
  }, [table, id]);
  if (refusal) return <Alert severity="info">{refusal}</Alert>;
  if (!entries) return <Typography variant="body2">Loading the history…</Typography>;
  return (
    <Table size="small" aria-label="History">
      <TableHead>
        <TableRow>
          <TableCell>When</TableCell>
          <TableCell>Who</TableCell>
          <TableCell>What</TableCell>
          <TableCell>Of</TableCell>
          <TableCell>Changes</TableCell>
          <TableCell>Batch</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {entries.map((entry) => (
          <TableRow key={entry.audit_id}>
            <TableCell>{new Date(entry.changed_at).toLocaleString()}</TableCell>
            <TableCell>{entry.actor}</TableCell>
            <TableCell>{entry.action}</TableCell>
            <TableCell>{about(entry)}</TableCell>
            <TableCell>
              <Changes record={entry} />
            </TableCell>
            <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>
              {entry.batch_id?.slice(0, 8) ?? ''}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
