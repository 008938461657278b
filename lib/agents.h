/*
 * Contour-B agents' credentials: a bearer token per agent, made once by
 * primerka-admin add-agent and kept only as its SHA-256 (db/021), so a
 * copy of the database does not let anyone act as an agent.
 */
#ifndef PRIMERKA_AGENTS_H
#define PRIMERKA_AGENTS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define AGENT_TOKEN_LEN		64	/* hex characters (256 bits) */
#define AGENT_HASH_LEN		64	/* hex SHA-256 */
#define AGENT_NAME_MAX		64

extern const struct db_stmt agents_statements[];

/* 1 when name is 1..64 of A-Z a-z 0-9 _ . - (the table's CHECK). */
int	 agents_name_valid(const char *name);

/* A fresh random token into tok (at least AGENT_TOKEN_LEN + 1): 0 or -1. */
int	 agents_token_new(char *tok, size_t len);

/* The hex SHA-256 of tok into out (AGENT_HASH_LEN + 1): 0 or -1. */
int	 agents_token_hash(const char *tok, char *out, size_t len);

/*
 * Add agent name with a fresh token, printed into tok: 0, 1 when the
 * name is taken, -1 on a database error.
 */
int	 agents_add(struct db *, const char *name, char *tok, size_t len);

/* Revoke name's token: 0, 1 when there is no such live agent, -1. */
int	 agents_revoke(struct db *, const char *name);

/*
 * The live agent a bearer token belongs to: 0 and its name in name
 * (AGENT_NAME_MAX + 1), 1 when the token is unknown or revoked, -1 on a
 * database error.
 */
int	 agents_lookup(struct db *, const char *tok, char *name, size_t len);

#endif /* PRIMERKA_AGENTS_H */
