// Sales' work on many items at once: retire or restore the chosen ones, and import a supplier's
// CSV (name, manufacturer, cost, weight) after a preview that reports on every row.
import ArchiveIcon from '@mui/icons-material/Archive';
import UnarchiveIcon from '@mui/icons-material/Unarchive';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import {
  Alert,
  Card,
  CardContent,
  Chip,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useRef, useState } from 'react';
import { Button, Title, useListContext, useNotify, useRedirect, useRefresh } from 'react-admin';
import { api } from '../api.ts';

export function BulkRetireButtons() {
  const { selectedIds, onUnselectItems } = useListContext();
  const notify = useNotify();
  const refresh = useRefresh();
  const act = async (action: 'retire' | 'restore') => {
    try {
      const { count } = await api<{ count: number }>('POST', `/api/items/${action}`, {
        item_ids: selectedIds.map(Number),
      });
      notify(`${action === 'retire' ? 'Retired' : 'Restored'} ${count} items`, { type: 'success' });
      onUnselectItems();
      refresh();
    } catch (error) {
      notify((error as Error).message, { type: 'error' });
    }
  };
  return (
    <>
      <Button label="Retire selected" startIcon={<ArchiveIcon />} onClick={() => act('retire')} />
      <Button
        label="Restore selected"
        startIcon={<UnarchiveIcon />}
        onClick={() => act('restore')}
      />
    </>
  );
}

export function ImportButton() {
  const redirect = useRedirect();
  return (
    <Button
      label="Import"
      startIcon={<UploadFileIcon />}
      onClick={() => redirect('/item-import')}
    />
  );
}

type Report = {
  line: number;
  name: string;
  manufacturer: string;
  cost: string;
  weight: string;
  verdict: string;
  detail: string | null;
};

export function ItemImport() {
  const input = useRef<HTMLInputElement>(null);
  const notify = useNotify();
  const redirect = useRedirect();
  const [csv, setCsv] = useState<string | null>(null);
  const [rows, setRows] = useState<Report[] | null>(null);
  const [busy, setBusy] = useState(false);
  const read = async (file: File | undefined) => {
    if (!file) return;
    const text = await file.text();
    if (input.current) input.current.value = '';
    try {
      const preview = await api<{ rows: Report[] }>('POST', '/api/items/import/preview', {
        csv: text,
      });
      setCsv(text);
      setRows(preview.rows);
    } catch (error) {
      setCsv(null);
      setRows(null);
      notify((error as Error).message, { type: 'error' });
    }
  };
  const importAll = async () => {
    setBusy(true);
    try {
      const { item_ids } = await api<{ item_ids: number[] }>('POST', '/api/items/import', { csv });
      notify(`Imported ${item_ids.length} items`, { type: 'success' });
      redirect('/items');
    } catch (error) {
      notify((error as Error).message, { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  const bad = rows?.filter((r) => r.verdict !== 'valid').length ?? 0;
  return (
    <Card sx={{ mt: 2 }}>
      <Title title="Import items" />
      <CardContent>
        <Stack spacing={2}>
          <Typography variant="body2">
            A CSV file with the columns name, manufacturer, cost and weight (kg). Every row is
            checked first; the items are imported all together, or not at all.
          </Typography>
          <Stack direction="row" spacing={2}>
            <Button
              label="Choose a CSV file"
              variant="outlined"
              startIcon={<UploadFileIcon />}
              onClick={() => input.current?.click()}
            />
            <input
              ref={input}
              type="file"
              accept=".csv,text/csv"
              hidden
              data-testid="item-csv"
              onChange={(event) => read(event.target.files?.[0])}
            />
            {rows && (
              <Button
                label={`Import ${rows.length} items`}
                variant="contained"
                disabled={busy || bad > 0}
                onClick={importAll}
              />
            )}
          </Stack>
          {rows && bad > 0 && (
            <Alert severity="error" data-testid="import-problems">
              {bad === 1 ? '1 row is' : `${bad} rows are`} not valid: correct the file and choose it
              again. Nothing is imported until every row is valid.
            </Alert>
          )}
          {rows && bad === 0 && (
            <Alert severity="success">Every row is valid: {rows.length} items will be added.</Alert>
          )}
          {rows && (
            <Table size="small" aria-label="Import preview">
              <TableHead>
                <TableRow>
                  <TableCell>Line</TableCell>
                  <TableCell>Name</TableCell>
                  <TableCell>Manufacturer</TableCell>
                  <TableCell>Cost</TableCell>
                  <TableCell>Weight</TableCell>
                  <TableCell>Verdict</TableCell>
                  <TableCell>Why</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {rows.map((r) => (
                  <TableRow key={r.line}>
                    <TableCell>{r.line}</TableCell>
                    <TableCell>{r.name}</TableCell>
                    <TableCell>{r.manufacturer}</TableCell>
                    <TableCell>{r.cost}</TableCell>
                    <TableCell>{r.weight}</TableCell>
                    <TableCell>
                      <Chip
                        size="small"
                        label={r.verdict}
                        color={r.verdict === 'valid' ? 'success' : 'error'}
                      />
                    </TableCell>
                    <TableCell>{r.detail ?? ''}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </Stack>
      </CardContent>
    </Card>
  );
}
