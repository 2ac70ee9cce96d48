-- Search (issue 13): one box finds organizations, liaisons, grids and
-- requests by a few characters of what people remember.
--
-- pg_trgm indexes the three-character substrings of a text. Under this
-- cluster's C.UTF-8 ctype it counts CJK characters as alphanumeric, so
-- '华为技' is one trigram and `name ILIKE '%华为技%'` uses the index
-- (TestSearchTrigramsCoverCJK checks show_trgm, so a cluster whose locale
-- drops non-ASCII characters fails there, not silently at runtime).
-- Queries shorter than three characters have no trigram: the prefix
-- indexes serve those.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Substrings of names and addresses of the organizations on the map.
CREATE INDEX organization_name_trgm ON organization USING gin (name gin_trgm_ops) WHERE active;
CREATE INDEX organization_address_trgm ON organization USING gin (address gin_trgm_ops) WHERE active;
-- Prefixes (and equality) of names and credit codes, in index order, so
-- that a prefix match reads only the rows it returns.
CREATE INDEX organization_name_prefix ON organization (name text_pattern_ops) WHERE active;
CREATE INDEX organization_uscc_prefix ON organization (uscc text_pattern_ops) WHERE active;

-- Request titles and liaison names. Grids are few (tens per zone) and are
-- read whole.
CREATE INDEX request_title_trgm ON request USING gin (title gin_trgm_ops);
CREATE INDEX liaison_name_trgm ON liaison USING gin (name gin_trgm_ops) WHERE active;
CREATE INDEX liaison_name_prefix ON liaison (name text_pattern_ops) WHERE active;
