-- Placeholder so that 023 applies on this branch: another engineer's
-- branch (bulkload) owns migration 022. Drop this file when merging it.
SELECT 1;
