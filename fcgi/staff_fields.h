/*
 * The JSON fields of the catalogue writes (staff.c): which members each
 * body may hold and how each is read.  Shared with the request fuzzer
 * (fuzz/fuzz_json_request.c), so it fuzzes these tables, not a copy.
 */
#ifndef PRIMERKA_STAFF_FIELDS_H
#define PRIMERKA_STAFF_FIELDS_H

#include <stddef.h>
#include <json-c/json.h>

#include "http.h"

/* NULL-terminated: an outfit's categories, the members of an outfit's
 * and a location's body. */
extern const char *const staff_categories[];
extern const char *const staff_outfit_fields[];
extern const char *const staff_location_fields[];

/* The buffer a location's joined tags need (at most 20 tags). */
#define STAFF_TAGS_LEN	1024

/*
 * Read an outfit's fields from b into p[1..6] (title, description,
 * category, product_url, price, currency; statement parameters, NULL
 * when absent); the title is required when creating.  price (pricelen
 * bytes) holds the price's text.  0, or -1 after a 400.
 */
int	 outfit_fields_read(struct req *, json_object *b, int creating,
	    const char **p, char *price, size_t pricelen);

/*
 * Read a location's fields from b into p[0..2] (title, description,
 * tags joined with ',' in tags, tagslen bytes; NULL when absent); the
 * title is required when creating.  0, or -1 after a 400.
 */
int	 location_fields_read(struct req *, json_object *b, int creating,
	    const char **p, char *tags, size_t tagslen);

#endif /* PRIMERKA_STAFF_FIELDS_H */
