/**
 * A type change keeps every value in an ordinary table, but SQLite's affinity may convert it ('007'
 * becomes 7 under INTEGER affinity); a STRICT table, and an INTEGER PRIMARY KEY, refuse values that do
 * not fit. The distinct values are run through a temporary column with the new type to see exactly
 * what SQLite will do (https://sqlite.org/datatype3.html#type_affinity).
 */
import { type CheckContext, counted, SAMPLE } from './checks.ts';
import { quoteId } from './parse.ts';
import { sampleKey } from './row-checks.ts';
import type { Column, Table } from './schema.ts';
import { foldName } from './tokens.ts';

/**
 * Blocks values that would change (a loss) or not fit (`type-mismatch`); warns about values that only
 * change storage class ('12' becomes 12).
 * @example
 * checkTypeChange(context, currentTable, currentColumn, desiredColumn, desiredTable.strict);
 */
export function checkTypeChange(
  context: CheckContext,
  current: Table,
  c: Column,
  target: Column,
  strict: boolean,
): void {
  const { conn, origin, result, loss } = context;
  const object = `${current.name}.${target.name}`;
  const probeType = strict ? target.type.replace(/^any$/i, '') : target.type;
  const col = quoteId(origin.column(current.name, c.name));
  const table = quoteId(origin.table(current.name));
  try {
    conn.exec('DROP TABLE IF EXISTS temp._molt_probe');
    conn.exec(`CREATE TEMP TABLE _molt_probe (v ${probeType || 'BLOB'}, o, n INTEGER)`);
    // One row per distinct value (exact bytes and storage class), with how many rows hold it.
    conn.exec(
      `INSERT INTO temp._molt_probe SELECT ${col}, ${col}, count(*) FROM ${table} WHERE ${col} IS NOT NULL GROUP BY typeof(${col}), CAST(${col} AS BLOB)`,
    );
    const stats = conn.query(
      `SELECT
         IFNULL(sum(CASE WHEN typeof(v) <> typeof(o) THEN n END), 0) AS changed,
         IFNULL(sum(CASE WHEN ${LOSSY} THEN n END), 0) AS lossy,
         IFNULL(sum(CASE WHEN NOT (${strictFits(target.type)}) THEN n END), 0) AS misfit
       FROM temp._molt_probe`,
    )[0]!;
    const misfit = strict ? Number(stats.misfit) : 0;
    const lossy = Number(stats.lossy);
    // The keys of a few rows whose value meets `condition` (over the probe's v, o).
    const sample = (condition: string) =>
      conn
        .query(
          `SELECT ${sampleKey(current)} AS k FROM ${table} WHERE ${col} IS NOT NULL AND EXISTS (SELECT 1 FROM temp._molt_probe WHERE (${condition}) AND typeof(o) = typeof(${table}.${col}) AND CAST(o AS BLOB) = CAST(${table}.${col} AS BLOB)) LIMIT ${SAMPLE}`,
        )
        .map((r) => r.k ?? null);
    if (misfit > 0) {
      result.blockers.push({
        kind: 'type-mismatch',
        object,
        message: `${counted(misfit, 'value')} of ${object} ${misfit === 1 ? 'does' : 'do'} not fit the type ${target.type}`,
        count: misfit,
        rows: sample(`NOT (${strictFits(target.type)})`),
      });
    } else if (lossy > 0) {
      loss(
        object,
        `${counted(lossy, 'value')} of ${object} ${lossy === 1 ? 'changes' : 'change'} when converted to ${target.type || 'no type'}`,
        lossy,
        undefined,
        sample(LOSSY),
      );
    } else if (Number(stats.changed) > 0) {
      const changed = Number(stats.changed);
      result.warnings.push({
        kind: 'type-change',
        object,
        message: `${counted(changed, 'value')} of ${object} ${changed === 1 ? 'changes' : 'change'} storage class to fit ${target.type}`,
        count: changed,
      });
    }
  } finally {
    conn.exec('DROP TABLE IF EXISTS temp._molt_probe');
  }
}

/**
 * A converted value is lossy when the original cannot be read back from it: text that became a number
 * whose canonical spelling differs ('007' → 7, but not '2' → 2.0), a number that became text of another
 * value (0.1 + 0.2 → '0.3'), or an integer/real change that alters the value.
 */
const LOSSY = `CASE
  WHEN typeof(v) = typeof(o) THEN 0
  WHEN typeof(o) = 'text' THEN CAST(v AS TEXT) IS NOT o
    AND NOT (typeof(v) = 'real' AND v = CAST(v AS INTEGER) AND CAST(CAST(v AS INTEGER) AS TEXT) = o)
  WHEN typeof(v) = 'text' THEN CAST(v AS NUMERIC) IS NOT o
  ELSE v IS NOT o END`;

/** Which storage classes a STRICT column of this type accepts after affinity conversion. */
function strictFits(type: string): string {
  switch (foldName(type.trim())) {
    case 'int':
    case 'integer':
      return "typeof(v) = 'integer'";
    case 'real':
      return "typeof(v) IN ('real', 'integer')";
    case 'text':
      return "typeof(v) = 'text'";
    case 'blob':
      return "typeof(v) = 'blob'";
    default:
      return '1';
  }
}
