import { Box, Card, CardContent, Stack, Typography } from '@mui/material';
import {
  ArrayField,
  ArrayInput,
  AutocompleteInput,
  Button,
  Create,
  CreateButton,
  Datagrid,
  DateField,
  DateInput,
  Edit,
  EditButton,
  FunctionField,
  List,
  NumberField,
  NumberInput,
  type RaRecord,
  ReferenceInput,
  required,
  SaveButton,
  SelectInput,
  Show,
  SimpleForm,
  SimpleFormIterator,
  TabbedShowLayout,
  TextField,
  Toolbar,
  TopToolbar,
  useGetMany,
  useNotify,
  usePermissions,
  useRecordContext,
  useRefresh,
} from 'react-admin';
import { useWatch } from 'react-hook-form';
import { api } from '../api.ts';
import {
  CsvButton,
  formatMoney,
  formatWeight,
  MoneyField,
  StatusField,
  WeightField,
} from '../fields.tsx';
import { History } from './history.tsx';
import { BulkMoveButton, CarrierCsvButton } from './transaction-bulk.tsx';

const statuses = ['pending', 'paid', 'shipped', 'completed', 'cancelled'].map((s) => ({
  id: s,
  name: s,
}));
const nextStatuses: Record<string, string[]> = {
  pending: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['completed', 'cancelled'],
};

const memberText = (m: RaRecord) => `${m.first_name} ${m.last_name} (${m.membership_id})`;

const filters = [
  <SelectInput key="status" source="status" choices={statuses} alwaysOn />,
  <ReferenceInput key="member" source="membership_id" reference="memberships" alwaysOn>
    <AutocompleteInput
      label="Member"
      optionText={memberText}
      filterToQuery={(q) => ({ q })}
      sx={{ minWidth: 260 }}
    />
  </ReferenceInput>,
  <DateInput key="from" source="from" label="Created from" alwaysOn />,
  <DateInput key="to" source="to" label="Created to" alwaysOn />,
];

export function TransactionList() {
  const { permissions } = usePermissions();
  return (
    <List
      filters={filters}
      sort={{ field: 'transaction_id', order: 'DESC' }}
      actions={
        <TopToolbar>
          {permissions === 'logistics' && <CreateButton label="Record" />}
          {permissions === 'logistics' && <CarrierCsvButton />}
          <CsvButton />
        </TopToolbar>
      }
    >
      <Datagrid
        rowClick="show"
        bulkActionButtons={permissions === 'logistics' ? <BulkMoveButton /> : false}
      >
        <TextField source="transaction_id" label="#" />
        <DateField source="created_at" label="Created" showTime sortable={false} />
        <TextField source="member_name" label="Member" sortable={false} />
        <TextField source="manufacturer_name" label="Manufacturer" sortable={false} />
        <MoneyField source="total_items_cost" label="Total cost" />
        <WeightField source="total_items_weight" label="Total weight" />
        <StatusField />
      </Datagrid>
    </List>
  );
}

function StatusButtons() {
  const record = useRecordContext();
  const { permissions } = usePermissions();
  const notify = useNotify();
  const refresh = useRefresh();
  if (!record || permissions !== 'logistics') return null;
  const move = async (status: string) => {
    try {
      await api('POST', `/api/transactions/${record.transaction_id}/status`, { status });
      notify(`Transaction ${record.transaction_id} is now ${status}`, { type: 'success' });
      refresh();
    } catch (error) {
      notify((error as Error).message, { type: 'error' });
    }
  };
  const next = nextStatuses[record.transaction_status] ?? [];
  if (next.length === 0) return null;
  return (
    <Stack direction="row" spacing={1}>
      {next.map((status) => (
        <Button
          key={status}
          variant={status === 'cancelled' ? 'outlined' : 'contained'}
          color={status === 'cancelled' ? 'error' : 'primary'}
          label={`Mark ${status}`}
          onClick={() => move(status)}
        />
      ))}
    </Stack>
  );
}

export function TransactionShow() {
  return (
    <Show
      title={<TransactionTitle />}
      actions={
        <TopToolbar>
          <AmendButton />
          <StatusButtons />
        </TopToolbar>
      }
    >
      <TabbedShowLayout>
        <TabbedShowLayout.Tab label="Details">
          <StatusField />
          <TextField source="member_name" label="Member" />
          <TextField source="membership_id" label="Membership" />
          <TextField source="manufacturer_name" label="Manufacturer" />
          <DateField source="created_at" label="Created" showTime />
          <DateField source="completed_at" label="Completed" showTime emptyText="—" />
          <ArrayField source="lines" label="Items">
            <Datagrid bulkActionButtons={false} rowClick={false}>
              <TextField source="item_name" label="Item" />
              <NumberField source="quantity" />
              <MoneyField source="unit_cost" label="Unit cost" />
              <MoneyField source="line_cost" label="Cost" />
              <WeightField source="line_weight" label="Weight" />
              <FunctionField label="" render={(r: RaRecord) => (r.retired ? 'retired' : '')} />
            </Datagrid>
          </ArrayField>
          <MoneyField source="total_items_cost" label="Total cost" />
          <WeightField source="total_items_weight" label="Total weight" />
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="History" path="history">
          <TransactionHistory />
        </TabbedShowLayout.Tab>
      </TabbedShowLayout>
    </Show>
  );
}

function TransactionHistory() {
  const record = useRecordContext();
  return <History table="transactions" id={record?.transaction_id} />;
}

/** Only a pending or paid transaction's lines may change; the database refuses the rest too. */
const amendable = ['pending', 'paid'];

function AmendButton() {
  const record = useRecordContext();
  const { permissions } = usePermissions();
  if (!record || permissions !== 'logistics' || !amendable.includes(record.transaction_status))
    return null;
  return <EditButton label="Amend" />;
}

function TransactionTitle() {
  const record = useRecordContext();
  return <span>Transaction {record ? `#${record.transaction_id}` : ''}</span>;
}

/** The totals as the person types; the stored totals are computed by the database on save. */
function RunningTotals({ source = 'items' }: { source?: string }) {
  const lines = (useWatch({ name: source }) ?? []) as { item_id?: number; quantity?: number }[];
  const ids = lines.map((l) => l?.item_id).filter((id): id is number => !!id);
  const { data = [] } = useGetMany('items', { ids });
  const byId = new Map(data.map((item) => [item.item_id, item]));
  let cost = 0;
  let weight = 0;
  for (const line of lines) {
    const item = line?.item_id ? byId.get(line.item_id) : undefined;
    const quantity = Number(line?.quantity ?? 0);
    if (item && quantity > 0) {
      cost += Number(item.item_cost) * quantity;
      weight += Number(item.item_weight) * quantity;
    }
  }
  return (
    <Card variant="outlined" sx={{ mt: 2, minWidth: 320 }} aria-label="Running totals">
      <CardContent>
        <Typography variant="overline">Running totals</Typography>
        <Box sx={{ display: 'flex', gap: 4 }}>
          <Typography variant="h6" data-testid="running-cost">
            {formatMoney(cost)}
          </Typography>
          <Typography variant="h6" data-testid="running-weight">
            {formatWeight(weight)}
          </Typography>
        </Box>
        <Typography variant="caption" color="text.secondary">
          The database computes the stored totals when you save.
        </Typography>
      </CardContent>
    </Card>
  );
}

const itemText = (i: RaRecord) => `${i.item_name} · ${formatMoney(i.item_cost)}`;

export function TransactionCreate() {
  return (
    <Create redirect="show" title="Record a transaction">
      <SimpleForm defaultValues={{ items: [{ quantity: 1 }] }}>
        <ReferenceInput source="membership_id" reference="memberships">
          <AutocompleteInput
            label="Member"
            optionText={memberText}
            filterToQuery={(q) => ({ q })}
            validate={required('Pick a member')}
            fullWidth
          />
        </ReferenceInput>
        <ReferenceInput
          source="manufacturer_id"
          reference="manufacturers"
          perPage={100}
          sort={{ field: 'manufacturer_name', order: 'ASC' }}
        >
          <AutocompleteInput
            label="Manufacturer"
            optionText="manufacturer_name"
            filterToQuery={(q) => ({ q })}
            validate={required('Pick a manufacturer')}
            fullWidth
          />
        </ReferenceInput>
        <LinesInput source="items" />
        <RunningTotals />
      </SimpleForm>
    </Create>
  );
}

/** The lines of a transaction being recorded or amended: items and their quantities. */
function LinesInput({ source }: { source: string }) {
  return (
    <ArrayInput source={source} label="Items">
      <SimpleFormIterator inline disableReordering>
        {/* Only active items are offered: retired ones cannot be sold. */}
        <ReferenceInput
          source="item_id"
          reference="items"
          filter={{ status: 'active' }}
          sort={{ field: 'item_name', order: 'ASC' }}
        >
          <AutocompleteInput
            label="Item"
            optionText={itemText}
            filterToQuery={(q) => ({ q })}
            validate={required('Pick an item')}
            sx={{ minWidth: 360 }}
          />
        </ReferenceInput>
        <NumberInput
          source="quantity"
          min={1}
          step={1}
          validate={required('Enter a quantity')}
          sx={{ width: 120 }}
        />
      </SimpleFormIterator>
    </ArrayInput>
  );
}

/**
 * Amends a pending or paid transaction's lines in one call: what the form holds when saved becomes
 * its lines (added, removed, quantities changed); the database prices them and keeps the totals.
 */
export function TransactionEdit() {
  return (
    <Edit
      mutationMode="pessimistic"
      redirect="show"
      title={<TransactionTitle />}
      transform={(data: RaRecord) => ({
        items: (data.lines ?? []).map((l: { item_id: number; quantity: number }) => ({
          item_id: l.item_id,
          quantity: Number(l.quantity),
        })),
      })}
    >
      {/* Save only: nothing is deleted. */}
      <SimpleForm
        toolbar={
          <Toolbar>
            <SaveButton />
          </Toolbar>
        }
      >
        <TextField source="member_name" label="Member" />
        <StatusField />
        <LinesInput source="lines" />
        <RunningTotals source="lines" />
      </SimpleForm>
    </Edit>
  );
}
