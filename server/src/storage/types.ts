// The storage contract: every operation the product performs on its data. It lives in ./contract/, one file per
// domain area (its types and its named repository interface, e.g. ConversionRepository) and storage.ts, which composes
// them into Storage. This file re-exports all of it, so `import … from '…/storage/types.js'` and `Storage['conversions']`
// keep working. Two drivers implement it (postgres: PGlite or a PostgreSQL server; mongo: mongoose) and one contract
// suite (test/storage/contract.ts) runs against each. Money is always integer minor units + ISO currency.
export * from './contract/index.js'
