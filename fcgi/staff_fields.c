/*
 * The JSON fields of the catalogue writes: the allowed members and the
 * field-by-field reads of an outfit's and a location's body.
 */
#include <stdint.h>
#include <stdio.h>

#include "api.h"
#include "staff_fields.h"
#include "validate.h"

const char *const staff_categories[] = { "tops", "bottoms", "one-pieces",
    NULL };
const char *const staff_outfit_fields[] = { "shop_id", "title",
    "description", "category", "product_url", "price", "currency", NULL };
const char *const staff_location_fields[] = { "title", "description",
    "tags", NULL };

/* An ISO 4217 code: three upper-case ASCII letters. */
static int
currency_ok(const char *cur)
{
	return cur[0] >= 'A' && cur[0] <= 'Z' && cur[1] >= 'A' &&
	    cur[1] <= 'Z' && cur[2] >= 'A' && cur[2] <= 'Z';
}

int
outfit_fields_read(struct req *r, json_object *b, int creating,
    const char **p, char *price, size_t pricelen)
{
	int64_t		 v;
	int		 rc;
	const char	*cur;

	if (v_only(r, b, staff_outfit_fields) == -1 ||
	    v_str(r, b, "title", creating, 1, 200, &p[1]) == -1 ||
	    v_str(r, b, "description", 0, 0, 2000, &p[2]) == -1 ||
	    v_enum(r, b, "category", 0, staff_categories, &p[3]) == -1 ||
	    v_url(r, b, "product_url", 0, &p[4]) == -1)
		return -1;
	rc = v_int(r, b, "price", 0, 0, INT64_C(1000000000000), &v);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		snprintf(price, pricelen, "%lld", (long long)v);
		p[5] = price;
	}
	rc = v_str(r, b, "currency", 0, 3, 3, &cur);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		if (!currency_ok(cur)) {
			resp_error(r, API_ERR_INVALID_FIELD,
			    "currency must be an ISO 4217 code like RUB");
			return -1;
		}
		p[6] = cur;
	}
	return 0;
}

int
location_fields_read(struct req *r, json_object *b, int creating,
    const char **p, char *tags, size_t tagslen)
{
	int	 rc;

	if (v_only(r, b, staff_location_fields) == -1 ||
	    v_str(r, b, "title", creating, 1, 200, &p[0]) == -1 ||
	    v_str(r, b, "description", 0, 0, 2000, &p[1]) == -1)
		return -1;
	rc = v_tags(r, b, "tags", 0, 20, tags, tagslen);
	if (rc == -1)
		return -1;
	if (rc == 1)
		p[2] = tags;
	return 0;
}
