import { Datagrid, DateField, List, SearchInput, TextField, TopToolbar } from 'react-admin';
import { signedIn } from '../authProvider.ts';
import { CsvButton } from '../fields.tsx';

export function MemberList() {
  // Contact details are in the records only for people granted them; the columns follow.
  const pii = signedIn()?.pii ?? false;
  return (
    <List
      filters={[<SearchInput key="q" source="q" alwaysOn placeholder="Search members" />]}
      sort={{ field: 'last_name', order: 'ASC' }}
      actions={
        <TopToolbar>
          <CsvButton />
        </TopToolbar>
      }
    >
      <Datagrid rowClick={false} bulkActionButtons={false}>
        <TextField source="membership_id" label="Membership" />
        <TextField source="first_name" label="First name" />
        <TextField source="last_name" label="Last name" />
        <DateField source="date_of_birth" label="Born" />
        {pii && <TextField source="email" label="Email" sortable={false} />}
        {pii && <TextField source="mobile_no" label="Mobile" sortable={false} />}
      </Datagrid>
    </List>
  );
}

export function ManufacturerList() {
  return (
    <List
      filters={[<SearchInput key="q" source="q" alwaysOn />]}
      sort={{ field: 'manufacturer_name', order: 'ASC' }}
      actions={
        <TopToolbar>
          <CsvButton />
        </TopToolbar>
      }
    >
      <Datagrid rowClick={false} bulkActionButtons={false}>
        <TextField source="manufacturer_id" label="#" />
        <TextField source="manufacturer_name" label="Name" />
        <DateField source="created_at" label="Since" />
      </Datagrid>
    </List>
  );
}
