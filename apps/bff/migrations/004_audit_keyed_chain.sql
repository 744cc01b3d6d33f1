-- The audit chain becomes keyed: rows are hashed with HMAC-SHA256 under a key kept in a file apart from
-- the database (format powerdeck-audit-v2; see src/stores/audit-chain.ts). Rows written before keep
-- their plain SHA-256 hashes and say so: chain = 'powerdeck-audit-v1' (the default, for them only; the
-- store names the format of every row it writes). Adding a column fires no UPDATE trigger: the
-- append-only triggers stay, and every hash and link of the chain still holds.
ALTER TABLE audit_log ADD COLUMN chain TEXT NOT NULL DEFAULT 'powerdeck-audit-v1'
  CHECK (chain IN ('powerdeck-audit-v1', 'powerdeck-audit-v2'));

-- Legacy rows are counted for each anchor: through this index, in as many steps as there are of them.
CREATE INDEX audit_log_legacy ON audit_log (id) WHERE chain = 'powerdeck-audit-v1';
