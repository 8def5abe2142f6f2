// Placeholder until test/fixtures/libpq/derive-api-floor.mjs writes the real table.
export interface ApiFloorEntry { readonly symbol: string; readonly major: number; readonly release: string; readonly source: string }
/** Exported libpq functions and the first release that exports them. */
export const API_FLOOR: readonly ApiFloorEntry[] = [
  { symbol: 'PQencryptPasswordConn', major: 10, release: '10', source: 'placeholder' },
];
