// The commerce privilege policy as declared by the project: the grants of ARCHITECTURE.md's
// matrix, and nothing else. Migrations apply it; `tessera db verify` proves the live database
// still holds exactly this.

export const roles = {
  logistics: 'commerce_logistics',
  analytics: 'commerce_analytics',
  sales: 'commerce_sales',
  admin: 'commerce_admin',
  pii: 'commerce_pii',
  /** The portal's authenticator: logs in, holds nothing, may SET ROLE to each person. */
  portal: 'commerce_portal',
} as const;

const { logistics, analytics, sales, admin, pii, portal } = roles;
/** The image pipeline's BI logins (images 0006_analytics_readers.sql) connect to this database too. */
const analyticsReaders = 'tessera_analytics_reader';

/** `true` is a table-wide privilege; a list grants those columns only. */
type Privileges = Partial<
  Record<'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE', true | readonly string[]>
>;

export type Policy = {
  /** Roles that may connect to the database. */
  connect: readonly string[];
  schemas: Record<string, readonly string[]>;
  relations: Record<string, Record<string, Privileges>>;
  functions: Record<string, readonly string[]>;
};

const memberColumns = [
  'membership_id',
  'first_name',
  'last_name',
  'date_of_birth',
  'created_at',
  'updated_at',
];
const itemWrites = ['item_name', 'item_cost', 'item_weight', 'manufacturer_id'];
const transactionWrites = ['membership_id', 'manufacturer_id', 'transaction_status'];
const readAll: Privileges = { SELECT: true };
const bookkeeping: Privileges = { SELECT: true, INSERT: true, UPDATE: true, DELETE: true };

export const policy: Policy = {
  connect: [logistics, analytics, sales, admin, portal, analyticsReaders],
  /** Schemas and the roles that may use them. */
  schemas: {
    commerce: [logistics, analytics, sales, admin, pii],
    portal: [portal, admin],
    tessera: [],
  },
  /** Tables and views (schema-qualified). Any privilege not listed here is a difference. */
  relations: {
    'commerce.memberships': {
      [logistics]: { SELECT: memberColumns },
      [analytics]: { SELECT: memberColumns },
      [pii]: { SELECT: ['membership_id', 'email', 'mobile_no'] },
    },
    'commerce.manufacturers': { [logistics]: readAll, [analytics]: readAll, [sales]: readAll },
    'commerce.items': {
      [logistics]: { SELECT: true, INSERT: itemWrites, UPDATE: [...itemWrites, 'deleted_at'] },
      [analytics]: readAll,
      [sales]: { SELECT: true, INSERT: itemWrites, UPDATE: [...itemWrites, 'deleted_at'] },
    },
    'commerce.transactions': {
      [logistics]: { SELECT: true, INSERT: transactionWrites, UPDATE: transactionWrites },
      [analytics]: readAll,
    },
    'commerce.transacted_items': {
      [logistics]: {
        SELECT: true,
        INSERT: ['transaction_id', 'item_id', 'quantity'],
        UPDATE: ['quantity'],
      },
      [analytics]: readAll,
    },
    'commerce.audit_log': {},
    'commerce.audit_entries': { [admin]: readAll },
    'commerce.people': { [admin]: readAll },
    'portal.sessions': { [portal]: bookkeeping },
    'portal.sign_in_failures': { [portal]: bookkeeping },
    'portal.query_log': { [portal]: { SELECT: true, INSERT: true }, [admin]: readAll },
    'portal.saved_queries': { [portal]: bookkeeping },
    'commerce.memberships_public': { [logistics]: readAll, [analytics]: readAll },
    'commerce.top_members_by_spending': { [logistics]: readAll, [analytics]: readAll },
    'commerce.top_items_by_quantity': { [logistics]: readAll, [analytics]: readAll },
    // The views' kept sums: read through the views (security_invoker), written by triggers only.
    'commerce.member_spending': { [logistics]: readAll, [analytics]: readAll },
    'commerce.item_sales': { [logistics]: readAll, [analytics]: readAll },
    'tessera.migrations': {},
  },
  /** Functions (by signature) and the roles that may execute them; no one else may, PUBLIC included. */
  functions: {
    'commerce.record_transaction(text, bigint, jsonb)': [logistics],
    'commerce.set_transaction_status(bigint, text)': [logistics],
    'commerce.transaction_detail(bigint)': [logistics, analytics],
    'commerce.estimate_transactions(text, text, timestamp with time zone, timestamp with time zone)':
      [logistics, analytics],
    'commerce.check_item_fields(text, numeric, numeric)': [logistics, sales],
    'commerce.add_item(text, numeric, numeric)': [logistics, sales],
    'commerce.update_item(bigint, text, numeric, numeric, timestamp with time zone)': [
      logistics,
      sales,
    ],
    'commerce.add_item(text, numeric, numeric, bigint)': [logistics, sales],
    'commerce.preview_item_import(jsonb)': [logistics, sales],
    'commerce.import_items(jsonb)': [logistics, sales],
    'commerce.retire_items(bigint[])': [logistics, sales],
    'commerce.restore_items(bigint[])': [logistics, sales],
    'commerce.amend_transaction(bigint, jsonb)': [logistics],
    'commerce.next_transaction_status(text)': [logistics],
    'commerce.preview_bulk_status(bigint[])': [logistics],
    'commerce.apply_bulk_status(jsonb)': [logistics],
    'commerce.record_history(text, bigint)': [logistics, analytics, sales, admin],
    'commerce.retire_item(bigint)': [logistics, sales],
    'commerce.restore_item(bigint)': [logistics, sales],
    'commerce.add_person(text, text, boolean, text)': [admin],
    'commerce.set_person_pii(text, boolean)': [admin],
    'commerce.set_person_enabled(text, boolean)': [admin],
    'commerce.remove_person(text)': [admin],
    'commerce.hide_contact_details(text, jsonb)': [admin],
  },
};

/** The teams a person belongs to (exactly one). */
export const teamRoles: readonly string[] = [logistics, analytics, sales, admin];
/** Group roles that must never log in themselves. */
export const groupRoles: readonly string[] = [...teamRoles, pii];
