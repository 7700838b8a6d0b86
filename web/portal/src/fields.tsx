// Small display pieces shared by the pages: money, weights, statuses, retired markers, CSV export.
import DownloadIcon from '@mui/icons-material/Download';
import { Chip } from '@mui/material';
import {
  Button,
  FunctionField,
  type RaRecord,
  useListContext,
  useResourceContext,
} from 'react-admin';
import { listQuery, resources } from './dataProvider.ts';

const money = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const kilograms = new Intl.NumberFormat('en', {
  minimumFractionDigits: 3,
  maximumFractionDigits: 3,
});

export const formatMoney = (value: unknown) =>
  value === null || value === undefined || value === '' ? '' : money.format(Number(value));
export const formatWeight = (value: unknown) =>
  value === null || value === undefined || value === ''
    ? ''
    : `${kilograms.format(Number(value))} kg`;

export function MoneyField({ source, label }: { source: string; label?: string }) {
  return (
    <FunctionField
      source={source}
      label={label}
      textAlign="right"
      render={(r: RaRecord) => formatMoney(r[source])}
    />
  );
}

export function WeightField({ source, label }: { source: string; label?: string }) {
  return (
    <FunctionField
      source={source}
      label={label}
      textAlign="right"
      render={(r: RaRecord) => formatWeight(r[source])}
    />
  );
}

const statusColours = {
  pending: 'default',
  paid: 'info',
  shipped: 'warning',
  completed: 'success',
  cancelled: 'error',
} as const;

export function StatusChip({ status }: { status: keyof typeof statusColours }) {
  return (
    <Chip
      size="small"
      label={status}
      color={statusColours[status] ?? 'default'}
      variant={status === 'pending' ? 'outlined' : 'filled'}
    />
  );
}

export function StatusField({ label }: { label?: string }) {
  return (
    <FunctionField
      source="transaction_status"
      label={label ?? 'Status'}
      render={(r: RaRecord) => <StatusChip status={r.transaction_status} />}
    />
  );
}

export function RetiredField() {
  return (
    <FunctionField
      source="deleted_at"
      label="State"
      sortable={false}
      render={(r: RaRecord) =>
        r.deleted_at || r.retired ? (
          <Chip size="small" label="retired" color="warning" variant="outlined" />
        ) : (
          <Chip size="small" label="active" color="success" variant="outlined" />
        )
      }
    />
  );
}

/** Downloads the list as the server exports it: the same filters and sort, only the columns the person may see. */
export function CsvButton() {
  const resource = useResourceContext() ?? '';
  const { filterValues, sort } = useListContext();
  const path = resources[resource]?.path;
  if (!path) return null;
  const href = `${path}${listQuery(resource, { filter: filterValues, sort, pagination: { page: 1, perPage: 1 } }, 'csv')}`;
  return (
    <Button label="Export CSV" href={href} component="a" download startIcon={<DownloadIcon />} />
  );
}
