-- Access control: API keys (only a hash of each is kept), browser sessions signed in with
-- a key (only a hash of the cookie's token is kept), and the audit log of every change.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  -- NULL: every mission; else the only missions (and their spacecraft) the key reaches.
  missions text[],
  hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  revoked_at timestamptz,
  -- Written at most once a minute per key and process, so a busy key costs no write per request.
  last_used_at timestamptz
);

CREATE TABLE browser_sessions (
  token_hash text PRIMARY KEY,
  -- Not a foreign key: the bootstrap key (ORBIT_ADMIN_KEY) signs in too and has no row.
  key_id text NOT NULL,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX browser_sessions_key_idx ON browser_sessions (key_id);
CREATE INDEX browser_sessions_expires_idx ON browser_sessions (expires_at);

CREATE TABLE audit_log (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  -- NULL actor: a refused request whose caller was not known.
  actor_id text,
  actor_name text,
  action text NOT NULL,
  route text NOT NULL,
  targets text[] NOT NULL DEFAULT '{}',
  status integer NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq);
