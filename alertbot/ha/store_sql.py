"""The PostgreSQL state store's schema (migration 2) and its server-side functions.

The tables mirror the SQLite file's (``alertbot/delivery/store.py``, ``alertbot/state.py``,
``alertbot/ops/mutes.py``, ``alertbot/stocks/store.py``); outbox rows also record the epoch
that wrote them. Each function is one round trip for the bot:

- ``alertbot_fence(epoch)`` locks the lease row ``FOR SHARE`` and raises SQLSTATE AB001
  unless ``epoch`` still leads (see ``lease.py``);
- ``alertbot_claim`` marks rows "sending" (or not), fenced, taking them ``FOR UPDATE SKIP
  LOCKED``: all of them, or none and SQLSTATE AB002;
- ``alertbot_commit`` stores a turn's fired alerts, fenced: each submission (cooldown, dedupe
  keys, outbox rows) in a subtransaction of its own, so one the database refuses costs no
  other its place.
"""

STORE_SQL = """
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    symbol TEXT NOT NULL DEFAULT '',
    rule TEXT NOT NULL DEFAULT '',
    created DOUBLE PRECISION NOT NULL,
    sending BOOLEAN NOT NULL DEFAULT false,
    epoch BIGINT NOT NULL
);
CREATE INDEX outbox_channel ON outbox (channel, id);
CREATE INDEX outbox_channel_kind ON outbox (channel, kind);

CREATE TABLE dead_letters (
    id BIGINT PRIMARY KEY,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    symbol TEXT NOT NULL DEFAULT '',
    rule TEXT NOT NULL DEFAULT '',
    created DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL,
    set_aside DOUBLE PRECISION NOT NULL
);

CREATE TABLE delivery_keys (key TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL);
CREATE INDEX delivery_keys_at ON delivery_keys (at);

CREATE TABLE rule_cooldowns (
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    fired_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (rule, subject)
);

CREATE TABLE mutes (
    rule TEXT NOT NULL,
    symbol TEXT NOT NULL,
    until DOUBLE PRECISION,
    PRIMARY KEY (rule, symbol)
);

CREATE TABLE stock_master (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    market TEXT NOT NULL,
    prev_close BIGINT NOT NULL,
    upper_limit BIGINT NOT NULL,
    lower_limit BIGINT NOT NULL,
    loaded_at DOUBLE PRECISION NOT NULL
);

CREATE FUNCTION alertbot_fence(lease_epoch BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM ha_lease
    WHERE name = 'leader' AND epoch = lease_epoch AND expires > now() FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'epoch % no longer leads: write refused', lease_epoch
            USING ERRCODE = 'AB001';
    END IF;
END $$;

CREATE FUNCTION alertbot_claim(lease_epoch BIGINT, ids BIGINT[], marking BOOLEAN)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    held BIGINT[];
BEGIN
    PERFORM alertbot_fence(lease_epoch);
    SELECT array_agg(id) INTO held FROM (
        SELECT id FROM outbox WHERE id = ANY(ids) FOR UPDATE SKIP LOCKED
    ) AS free;
    IF coalesce(cardinality(held), 0) <> cardinality(ARRAY(SELECT DISTINCT unnest(ids))) THEN
        RAISE EXCEPTION '% of % rows are held or gone elsewhere',
            cardinality(ids) - coalesce(cardinality(held), 0), cardinality(ids)
            USING ERRCODE = 'AB002';
    END IF;
    UPDATE outbox SET sending = marking WHERE id = ANY(held);
END $$;

CREATE FUNCTION alertbot_commit(lease_epoch BIGINT, at DOUBLE PRECISION, submissions JSONB)
RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
    submission JSONB;
    entry JSONB;
    mark JSONB;
    channels JSONB;
    repeats INTEGER;
    results JSONB := '[]';
BEGIN
    PERFORM alertbot_fence(lease_epoch);
    FOR submission IN SELECT value FROM jsonb_array_elements(submissions) LOOP
        BEGIN
            channels := '[]';
            repeats := 0;
            mark := submission -> 'cooldown';
            IF jsonb_typeof(mark) = 'array' THEN
                INSERT INTO rule_cooldowns AS c (rule, subject, fingerprint, fired_at)
                VALUES (mark ->> 0, mark ->> 1, mark ->> 2, (mark ->> 3)::float8)
                ON CONFLICT (rule, subject) DO UPDATE
                    SET fingerprint = excluded.fingerprint, fired_at = excluded.fired_at;
            END IF;
            FOR entry IN SELECT value FROM jsonb_array_elements(submission -> 'entries') LOOP
                IF entry ->> 'key' IS NOT NULL THEN
                    INSERT INTO delivery_keys (key, at) VALUES (entry ->> 'key', at)
                    ON CONFLICT (key) DO NOTHING;
                    IF NOT FOUND THEN
                        repeats := repeats + 1;
                        CONTINUE;
                    END IF;
                END IF;
                INSERT INTO outbox (channel, kind, text, summary, symbol, rule, created, epoch)
                VALUES (entry ->> 'channel', entry ->> 'kind', entry ->> 'text',
                        entry ->> 'summary', entry ->> 'symbol', entry ->> 'rule',
                        (entry ->> 'created')::float8, lease_epoch);
                channels := channels || jsonb_build_array(entry ->> 'channel');
            END LOOP;
            results := results || jsonb_build_array(
                jsonb_build_object('channels', channels, 'repeats', repeats));
        EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
            results := results || jsonb_build_array(jsonb_build_object('error', SQLERRM));
        END;
    END LOOP;
    RETURN results;
END $$;
"""
