/*
 * Agent tokens (lib/agents.h): made, hashed, revoked, looked up.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "agents.h"

const struct db_stmt agents_statements[] = {
	{ "agents_add",
	  "INSERT INTO agents (name, token_sha256) VALUES ($1, $2) "
	  "ON CONFLICT (name) DO NOTHING RETURNING id", 2 },
	{ "agents_revoke",
	  "UPDATE agents SET revoked_at = now() WHERE name = $1 AND "
	  "revoked_at IS NULL RETURNING id", 1 },
	/* last_seen_at at most once a minute: no write per request. */
	{ "agents_lookup",
	  "UPDATE agents SET last_seen_at = CASE WHEN last_seen_at IS NULL "
	  "OR last_seen_at < now() - interval '1 minute' THEN now() ELSE "
	  "last_seen_at END WHERE token_sha256 = $1 AND revoked_at IS NULL "
	  "RETURNING name", 1 },
	{ NULL, NULL, 0 }
};

static void
hex(const unsigned char *b, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int
agents_name_valid(const char *name)
{
	size_t	 i, n = strlen(name);

	if (n == 0 || n > AGENT_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_' || name[i] == '.' || name[i] == '-'))
			return 0;
	return 1;
}

int
agents_token_new(char *tok, size_t len)
{
	unsigned char	 b[AGENT_TOKEN_LEN / 2];

	if (len < AGENT_TOKEN_LEN + 1 || RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	hex(b, sizeof(b), tok);
	return 0;
}

int
agents_token_hash(const char *tok, char *out, size_t len)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0;

	if (len < AGENT_HASH_LEN + 1 || EVP_Digest(tok, strlen(tok), md, &n,
	    EVP_sha256(), NULL) != 1 || n != AGENT_HASH_LEN / 2)
		return -1;
	hex(md, n, out);
	return 0;
}

/* One statement that RETURNs a row when it did something: 0, 1, -1. */
static int
run_one(struct db *db, const char *stmt, int n, const char *const *p,
    char *first, size_t len)
{
	PGresult	*res;
	int		 rows;

	if (db_run(db, stmt, n, p, PGRES_TUPLES_OK, &res) == -1)
		return -1;
	rows = PQntuples(res);
	if (rows == 1 && first != NULL)
		snprintf(first, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rows == 1 ? 0 : 1;
}

int
agents_add(struct db *db, const char *name, char *tok, size_t len)
{
	char		 h[AGENT_HASH_LEN + 1];
	const char	*p[2] = { name, h };

	if (agents_token_new(tok, len) == -1 ||
	    agents_token_hash(tok, h, sizeof(h)) == -1)
		return -1;
	return run_one(db, "agents_add", 2, p, NULL, 0);
}

int
agents_revoke(struct db *db, const char *name)
{
	const char	*p[1] = { name };

	return run_one(db, "agents_revoke", 1, p, NULL, 0);
}

int
agents_lookup(struct db *db, const char *tok, char *name, size_t len)
{
	char		 h[AGENT_HASH_LEN + 1];
	const char	*p[1] = { h };
	size_t		 i;

	/* Only what add-agent makes can match: no hashing of junk. */
	if (strlen(tok) != AGENT_TOKEN_LEN)
		return 1;
	for (i = 0; i < AGENT_TOKEN_LEN; i++)
		if (!((tok[i] >= '0' && tok[i] <= '9') ||
		    (tok[i] >= 'a' && tok[i] <= 'f')))
			return 1;
	if (agents_token_hash(tok, h, sizeof(h)) == -1)
		return -1;
	return run_one(db, "agents_lookup", 1, p, name, len);
}
