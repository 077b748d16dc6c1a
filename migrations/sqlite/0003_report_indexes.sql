-- model-ledger schema, migration 0003: indexes for `ledger report`, `ledger history` and
-- `ledger export`, so that a report on one model reads only that model's switches.
-- Partial indexes: each covers only the rows a report looks at, so ordinary appends pay
-- for them only on switch entries. Every index lists the columns its queries read
-- (kind and outcome included), so those queries never touch the table itself.

-- Switch requests of one model in a period (report --model, history, report --as-of).
CREATE INDEX entries_switch_requests_by_model ON entries (model, recorded_at, actor, kind)
    WHERE kind = 'switch.requested';

-- Switch requests in a period, any model (report without --model).
CREATE INDEX entries_switch_requests_by_time ON entries (recorded_at, model, actor, kind)
    WHERE kind = 'switch.requested';

-- The completion of a request (switch.completed / switch.resolved): its outcome and recorded
-- error, found from the request's seq with one index seek.
CREATE INDEX entries_switch_completions ON entries (ref_seq, kind, outcome, error_code, error_message)
    WHERE ref_seq IS NOT NULL;

-- Succeeded switches of one model by time (report --as-of: which job was live).
CREATE INDEX entries_switch_successes ON entries (model, recorded_at, ref_seq, kind, outcome)
    WHERE outcome = 'succeeded' AND kind IN ('switch.completed', 'switch.resolved');
