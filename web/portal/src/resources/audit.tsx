import { Box, Typography } from '@mui/material';
import {
  Datagrid,
  DateField,
  FunctionField,
  List,
  type RaRecord,
  SelectInput,
  TextField,
  TextInput,
  TopToolbar,
} from 'react-admin';
import { CsvButton } from '../fields.tsx';

const tables = ['memberships', 'manufacturers', 'items', 'transactions', 'transacted_items'].map(
  (t) => ({ id: t, name: t }),
);
const actions = [
  'insert',
  'update',
  'delete',
  'person.add',
  'person.remove',
  'person.disable',
  'person.enable',
  'person.pii.grant',
  'person.pii.revoke',
  'bulk.load',
  'transaction.amend',
  'transaction.bulk_status',
].map((a) => ({ id: a, name: a }));

const filters = [
  <SelectInput key="table" source="table" choices={tables} alwaysOn />,
  <SelectInput key="action" source="action" choices={actions} alwaysOn />,
  <TextInput key="actor" source="actor" label="Who" alwaysOn />,
];

const show = (value: unknown) =>
  value === null || value === undefined
    ? '∅'
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/** old → new, one line per column that changed. */
export function Changes({ record }: { record: RaRecord }) {
  const before = (record.old_values ?? {}) as Record<string, unknown>;
  const after = (record.new_values ?? {}) as Record<string, unknown>;
  const columns = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  if (record.action === 'insert') return <Typography variant="body2">created</Typography>;
  return (
    <Box>
      {columns.map((c) => (
        <Typography key={c} variant="body2" sx={{ fontFamily: 'monospace' }}>
          {c}:{' '}
          {record.action === 'delete' ? show(before[c]) : `${show(before[c])} → ${show(after[c])}`}
        </Typography>
      ))}
    </Box>
  );
}

export function AuditList() {
  return (
    <List
      filters={filters}
      sort={{ field: 'audit_id', order: 'DESC' }}
      actions={
        <TopToolbar>
          <CsvButton />
        </TopToolbar>
      }
      title="Audit log"
    >
      <Datagrid rowClick={false} bulkActionButtons={false}>
        <DateField source="changed_at" label="When" showTime />
        <TextField source="actor" label="Who" />
        <TextField source="action" />
        <TextField source="table_name" label="Table" emptyText="—" />
        <FunctionField
          label="Row"
          render={(r: RaRecord) => (r.row_key ? Object.values(r.row_key).join(' / ') : '')}
        />
        <FunctionField label="Changes" render={(r: RaRecord) => <Changes record={r} />} />
      </Datagrid>
    </List>
  );
}
