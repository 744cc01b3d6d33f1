-- Power plan runs (issue 16): a plan's run is an operation of the engine whose VMs carry their tier. The operation
-- keeps the plan's id (its runs are listed by it), and the run's plan as JSON: the plan's name, the direction, and
-- each tier's settings as the run took them and where the tier is (state, detail, times); it is rewritten at each
-- tier's change, in the same transaction as the VM changes that go with it. Applied inside a transaction by
-- src/db/migrate.ts: no BEGIN/COMMIT here.

ALTER TABLE operations ADD COLUMN plan_id TEXT;
ALTER TABLE operations ADD COLUMN plan TEXT CHECK (plan IS NULL OR json_valid(plan));
CREATE INDEX operations_plan ON operations (plan_id, created_at) WHERE plan_id IS NOT NULL;

-- A plan run's VM: its tier's index in the plan (null for other operations).
ALTER TABLE operation_vms ADD COLUMN tier INTEGER CHECK (tier IS NULL OR tier >= 0);
