// EXPLAIN (FORMAT JSON) as a tree: each node with its estimated and (with analyze) actual rows
// and time.
import { Box } from '@mui/material';

type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Plan Rows'?: number;
  'Total Cost'?: number;
  'Actual Rows'?: number;
  'Actual Total Time'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
};

function Node({ node }: { node: PlanNode }) {
  const on = node['Relation Name'] ? ` on ${node['Relation Name']}` : '';
  const using = node['Index Name'] ? ` using ${node['Index Name']}` : '';
  const actual =
    node['Actual Rows'] === undefined
      ? ''
      : ` · ${node['Actual Total Time']} ms · ${node['Actual Rows']} rows × ${node['Actual Loops']} loops`;
  return (
    <Box component="li" sx={{ my: 0.5 }}>
      <Box component="span" data-testid="plan-node" sx={{ fontFamily: 'monospace' }}>
        <strong>{node['Node Type']}</strong>
        {on}
        {using}
        <Box component="span" sx={{ color: '#666' }}>
          {` · cost ${node['Total Cost']} · est. ${node['Plan Rows']} rows${actual}`}
        </Box>
      </Box>
      {node.Plans && (
        <Box component="ul" sx={{ pl: 3, borderLeft: '1px dashed #bbb' }}>
          {node.Plans.map((child, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: plan children are positional
            <Node key={i} node={child} />
          ))}
        </Box>
      )}
    </Box>
  );
}

export function PlanTree({ plan }: { plan: unknown }) {
  const [top] = (plan as { Plan: PlanNode; 'Execution Time'?: number }[]) ?? [];
  if (!top) return null;
  return (
    <Box data-testid="plan">
      <Box component="ul" sx={{ pl: 2, m: 0 }}>
        <Node node={top.Plan} />
      </Box>
      {(top as { 'Execution Time'?: number })['Execution Time'] !== undefined && (
        <Box sx={{ color: '#666', mt: 1 }}>
          Execution time: {(top as { 'Execution Time'?: number })['Execution Time']} ms
        </Box>
      )}
    </Box>
  );
}
