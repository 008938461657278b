/*
 * POST /events: analytics from the Mini App, one event or a batch.
 *
 *   {"kind": "view"|"tryon"|"click", "outfit_id": N}
 *   {"events": [ {...}, ... ]}          at most 100
 *
 * Events for unknown or unpublished outfits are dropped (an app may show a stale
 * catalogue); the answer says how many were recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "validate.h"

#define EVENTS_MAX 100

const struct db_stmt events_statements[] = {
	{ "events_insert",
	  "INSERT INTO events (user_id, kind, outfit_id, shop_id) "
	  "SELECT $1, e.k::event_kind, o.id, o.shop_id "
	  "FROM unnest(string_to_array($2, ','), "
	  "string_to_array($3, ',')::bigint[]) AS e(k, oid) "
	  "JOIN outfits o ON o.id = e.oid AND o.active "
	  "AND o.image_key IS NOT NULL", 3 },
	{ NULL, NULL, 0 }
};

static const char *const kinds[] = { "view", "tryon", "click", NULL };
static const char *const event_fields[] = { "kind", "outfit_id", NULL };

/* Append one event's kind and outfit id to the two lists. */
static int
add_event(struct req *r, json_object *e, char *k, size_t klen, size_t *koff,
    char *ids, size_t idlen, size_t *ioff)
{
	const char	*kind;
	int64_t		 oid;
	int		 n;

	if (!json_object_is_type(e, json_type_object)) {
		resp_error(r, API_ERR_INVALID_FIELD, "each event is an object");
		return -1;
	}
	if (v_only(r, e, event_fields) == -1 ||
	    v_enum(r, e, "kind", 1, kinds, &kind) == -1 ||
	    v_id(r, e, "outfit_id", 1, &oid) == -1)
		return -1;
	n = snprintf(k + *koff, klen - *koff, "%s%s", *koff ? "," : "", kind);
	if (n < 0 || (size_t)n >= klen - *koff)
		return -1;
	*koff += (size_t)n;
	n = snprintf(ids + *ioff, idlen - *ioff, "%s%lld", *ioff ? "," : "",
	    (long long)oid);
	if (n < 0 || (size_t)n >= idlen - *ioff)
		return -1;
	*ioff += (size_t)n;
	return 0;
}

void
h_events_create(struct req *r)
{
	json_object	*b, *list;
	char		 kinds_s[EVENTS_MAX * 6 + 8], ids[EVENTS_MAX * 21 + 8];
	char		 uid[24];
	size_t		 koff = 0, ioff = 0, i, n;
	const char	*p[3] = { uid, kinds_s, ids };
	PGresult	*res;
	json_object	*o;

	if (users_touch(r) == -1)
		return;
	b = req_read_json(r, 65536);
	if (b == NULL)
		return;
	kinds_s[0] = ids[0] = '\0';
	if (json_object_object_get_ex(b, "events", &list)) {
		if (json_object_object_length(b) != 1 ||
		    !json_object_is_type(list, json_type_array)) {
			resp_error(r, API_ERR_INVALID_FIELD,
			    "events must be an array and the only field");
			goto done;
		}
		n = json_object_array_length(list);
		if (n == 0 || n > EVENTS_MAX) {
			resp_error(r, API_ERR_INVALID_FIELD,
			    "send 1 to 100 events at a time");
			goto done;
		}
		for (i = 0; i < n; i++)
			if (add_event(r, json_object_array_get_idx(list, i),
			    kinds_s, sizeof(kinds_s), &koff, ids, sizeof(ids),
			    &ioff) == -1)
				goto done;
	} else if (add_event(r, b, kinds_s, sizeof(kinds_s), &koff, ids,
	    sizeof(ids), &ioff) == -1)
		goto done;
	snprintf(uid, sizeof(uid), "%lld", (long long)r->user.id);
	if (db_run(r->app->db, "events_insert", 3, p, PGRES_COMMAND_OK,
	    &res) == -1) {
		api_db_down(r);
		goto done;
	}
	o = json_object_new_object();
	json_object_object_add(o, "recorded",
	    json_object_new_int64(strtoll(PQcmdTuples(res), NULL, 10)));
	PQclear(res);
	resp_json(r, 202, o, NULL);
	json_object_put(o);
done:
	json_object_put(b);
}
