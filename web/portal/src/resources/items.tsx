import ArchiveIcon from '@mui/icons-material/Archive';
import UnarchiveIcon from '@mui/icons-material/Unarchive';
import { Card, CardContent, Typography } from '@mui/material';
import {
  Button,
  Create,
  CreateButton,
  Datagrid,
  DateField,
  Edit,
  List,
  minValue,
  NumberInput,
  type RaRecord,
  required,
  SearchInput,
  SelectInput,
  SimpleForm,
  TextField,
  TextInput,
  TopToolbar,
  useNotify,
  usePermissions,
  useRecordContext,
  useRefresh,
} from 'react-admin';
import { api } from '../api.ts';
import { CsvButton, MoneyField, RetiredField, WeightField } from '../fields.tsx';
import { History } from './history.tsx';
import { BulkRetireButtons, ImportButton } from './item-batches.tsx';

const writers = ['logistics', 'sales'];

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Search items" />,
  <SelectInput
    key="status"
    source="status"
    alwaysOn
    emptyText="active"
    emptyValue="active"
    choices={[
      { id: 'retired', name: 'retired' },
      { id: 'all', name: 'all' },
    ]}
  />,
];

function RetireButton() {
  const record = useRecordContext();
  const notify = useNotify();
  const refresh = useRefresh();
  if (!record) return null;
  const retired = !!record.deleted_at;
  const act = async (event: React.MouseEvent) => {
    event.stopPropagation();
    try {
      await api('POST', `/api/items/${record.item_id}/${retired ? 'restore' : 'retire'}`);
      notify(
        retired
          ? `Restored ${record.item_name}`
          : `Retired ${record.item_name}: it can no longer be sold`,
        { type: 'success' },
      );
      refresh();
    } catch (error) {
      notify((error as Error).message, { type: 'error' });
    }
  };
  return (
    <Button
      label={retired ? 'Restore' : 'Retire'}
      onClick={act}
      startIcon={retired ? <UnarchiveIcon /> : <ArchiveIcon />}
    />
  );
}

export function ItemList() {
  const { permissions } = usePermissions();
  const canWrite = writers.includes(permissions);
  return (
    <List
      filters={filters}
      filterDefaultValues={{ status: 'active' }}
      sort={{ field: 'item_name', order: 'ASC' }}
      actions={
        <TopToolbar>
          {canWrite && <CreateButton />}
          {canWrite && <ImportButton />}
          <CsvButton />
        </TopToolbar>
      }
    >
      <Datagrid
        rowClick={canWrite ? 'edit' : false}
        bulkActionButtons={canWrite ? <BulkRetireButtons /> : false}
      >
        <TextField source="item_id" label="#" />
        <TextField source="item_name" label="Name" />
        <MoneyField source="item_cost" label="Cost" />
        <WeightField source="item_weight" label="Weight" />
        <RetiredField />
        <DateField source="updated_at" label="Updated" showTime />
        {canWrite && <RetireButton />}
      </Datagrid>
    </List>
  );
}

const cost = [required('Enter the cost'), minValue(0, 'The cost cannot be negative')];
const weight = [required('Enter the weight'), minValue(0, 'The weight cannot be negative')];

function ItemForm() {
  return (
    <SimpleForm>
      <TextInput source="item_name" label="Name" validate={required('Enter a name')} fullWidth />
      <NumberInput source="item_cost" label="Cost" validate={cost} step={0.01} />
      <NumberInput source="item_weight" label="Weight (kg)" validate={weight} step={0.001} />
    </SimpleForm>
  );
}

export const ItemCreate = () => (
  <Create redirect="list" title="New item">
    <ItemForm />
  </Create>
);

export const ItemEdit = () => (
  <Edit mutationMode="pessimistic" title={<ItemTitle />} redirect="list" aside={<ItemHistory />}>
    <ItemForm />
  </Edit>
);

function ItemTitle() {
  const record = useRecordContext<RaRecord>();
  return <span>Item {record ? `#${record.item_id} ${record.item_name}` : ''}</span>;
}

/** The item's history beside its form: who changed what, and when. */
function ItemHistory() {
  const record = useRecordContext<RaRecord>();
  return (
    <Card sx={{ ml: 2, mt: 1, flex: '0 0 560px' }}>
      <CardContent>
        <Typography variant="h6">History</Typography>
        <History table="items" id={record?.item_id} />
      </CardContent>
    </Card>
  );
}
