// Logistics moves many transactions to their next status at once: chosen in the list, or listed in
// a carrier's CSV. A preview first (which move where, which cannot and why), then one database
// transaction that moves all of them or none, audited as one batch.
import UploadFileIcon from '@mui/icons-material/UploadFile';
import {
  Alert,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  ListItem,
  List as MuiList,
  Typography,
} from '@mui/material';
import { useRef, useState } from 'react';
import { Button, useListContext, useNotify, useRefresh } from 'react-admin';
import { api } from '../api.ts';

type Move = { transaction_id: number; from_status: string; to_status: string };
type Preview = {
  moves: Move[];
  refused: { transaction_id: number | null; given: string; problem: string }[];
};
type Source = { transaction_ids: number[] } | { csv: string };

function useBulkMove() {
  const notify = useNotify();
  const refresh = useRefresh();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [busy, setBusy] = useState(false);
  const open = async (source: Source) => {
    try {
      setPreview(await api<Preview>('POST', '/api/transactions/bulk-status/preview', source));
    } catch (error) {
      notify((error as Error).message, { type: 'error' });
    }
  };
  const apply = async (done: () => void) => {
    if (!preview) return;
    setBusy(true);
    try {
      const result = await api<{ batch_id: string; moved: number }>(
        'POST',
        '/api/transactions/bulk-status',
        {
          moves: preview.moves.map(({ transaction_id, from_status }) => ({
            transaction_id,
            from_status,
          })),
        },
      );
      notify(`Moved ${result.moved} transactions (batch ${result.batch_id})`, { type: 'success' });
      setPreview(null);
      done();
      refresh();
    } catch (error) {
      notify((error as Error).message, { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return { preview, open, apply, busy, close: () => setPreview(null) };
}

function PreviewDialog({
  preview,
  busy,
  onApply,
  onClose,
}: {
  preview: Preview | null;
  busy: boolean;
  onApply: () => void;
  onClose: () => void;
}) {
  if (!preview) return null;
  const { moves, refused } = preview;
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth aria-labelledby="bulk-move-title">
      <DialogTitle id="bulk-move-title">Move to the next status</DialogTitle>
      <DialogContent>
        <Typography variant="subtitle1" data-testid="bulk-move-count">
          {moves.length === 1 ? '1 transaction moves' : `${moves.length} transactions move`}
        </Typography>
        <MuiList dense>
          {moves.map((m) => (
            <ListItem key={m.transaction_id}>
              #{m.transaction_id}: {m.from_status} → {m.to_status}
            </ListItem>
          ))}
        </MuiList>
        {refused.length > 0 && (
          <Alert severity="warning" data-testid="bulk-move-refused">
            {refused.length === 1 ? '1 cannot move' : `${refused.length} cannot move`}:
            <MuiList dense>
              {refused.map((r) => (
                <ListItem key={`${r.transaction_id ?? ''}:${r.given}:${r.problem}`}>
                  {r.transaction_id ? `#${r.transaction_id}` : `“${r.given}”`}: {r.problem}
                </ListItem>
              ))}
            </MuiList>
          </Alert>
        )}
        <Typography variant="caption" color="text.secondary">
          All of them move in one go, or none if one has changed since this preview.
        </Typography>
      </DialogContent>
      <DialogActions>
        <Button label="Cancel" onClick={onClose} />
        <Button
          label={`Move ${moves.length}`}
          variant="contained"
          disabled={busy || moves.length === 0}
          onClick={onApply}
        />
      </DialogActions>
    </Dialog>
  );
}

/** The list's bulk action: the chosen transactions. */
export function BulkMoveButton() {
  const { selectedIds, onUnselectItems } = useListContext();
  const bulk = useBulkMove();
  return (
    <>
      <Button
        label="Move to next status"
        onClick={() => bulk.open({ transaction_ids: selectedIds.map(Number) })}
      />
      <PreviewDialog
        preview={bulk.preview}
        busy={bulk.busy}
        onApply={() => bulk.apply(() => onUnselectItems())}
        onClose={bulk.close}
      />
    </>
  );
}

/** A carrier's CSV with a transaction_id column. */
export function CarrierCsvButton() {
  const input = useRef<HTMLInputElement>(null);
  const bulk = useBulkMove();
  const read = async (file: File | undefined) => {
    if (!file) return;
    await bulk.open({ csv: await file.text() });
    if (input.current) input.current.value = '';
  };
  return (
    <>
      <Button
        label="Carrier CSV"
        startIcon={<UploadFileIcon />}
        onClick={() => input.current?.click()}
      />
      <input
        ref={input}
        type="file"
        accept=".csv,text/csv"
        hidden
        data-testid="carrier-csv"
        onChange={(event) => read(event.target.files?.[0])}
      />
      <PreviewDialog
        preview={bulk.preview}
        busy={bulk.busy}
        onApply={() => bulk.apply(() => {})}
        onClose={bulk.close}
      />
    </>
  );
}
