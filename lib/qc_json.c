/*
 * The quality report as JSON (qc_report_to_json(), see qc.h): one helper
 * per member of the object, each returning nonzero when something could
 * not be added.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonv.h"
#include "nsfw.h"
#include "qc.h"

static json_object *jnum(double v, int decimals);

/*
 * "people": {"count", "size", "dominance", "landmarks": [[x, y,
 * visibility] x 33] in 0..1 of the image, or null}.  Returns nonzero when
 * something could not be added.
 */
static int
people_json(json_object *x, const struct qc_report *r)
{
	json_object	*a, *p;
	int		 bad = 0, k, j;

	bad |= jsonv_add(x, "count", json_object_new_int(r->npersons));
	bad |= jsonv_add(x, "size", jnum(r->person_size, 4));
	bad |= jsonv_add(x, "dominance", jnum(r->person_dominance, 3));
	if (!r->landmarks_done) {
		/* JSON null: json-c takes a NULL value as null. */
		if (json_object_object_add(x, "landmarks", NULL) != 0)
			bad = 1;
		return bad;
	}
	a = json_object_new_array();
	bad |= jsonv_add(x, "landmarks", a);
	for (k = 0; a != NULL && k < POSE_LM__MAX; k++) {
		p = json_object_new_array();
		if (p == NULL || json_object_array_add(a, p) != 0) {
			json_object_put(p);
			return 1;
		}
		for (j = 0; j < 3; j++)
			if (json_object_array_add(p,
			    jnum(r->landmarks[k][j], 4)) != 0)
				bad = 1;
	}
	return bad;
}

/*
 * A number with a fixed count of decimals, serialised exactly as
 * printed ("0.0123", "566.18", "16") rather than with 17 digits.
 */
static json_object *
jnum(double v, int decimals)
{
	char	 buf[64];
	size_t	 n;

	if (!isfinite(v))
		v = 0;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	n = strlen(buf);
	if (strchr(buf, '.') != NULL) {
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, sizeof(buf), "0");
	return json_object_new_double_s(strtod(buf, NULL), buf);
}

static json_object *
jrgb(const unsigned char rgb[3])
{
	char	 buf[8];

	snprintf(buf, sizeof(buf), "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
	return json_object_new_string(buf);
}

/* Member name of o: a new object that fill() fills from r. */
static int
section(json_object *o, const char *name,
    int (*fill)(json_object *, const struct qc_report *),
    const struct qc_report *r)
{
	json_object	*x;
	int		 bad;

	x = json_object_new_object();
	bad = jsonv_add(o, name, x);
	if (x != NULL)
		bad |= fill(x, r);
	return bad;
}

/* "reasons": [{"code", "message": {"en", "ru"}}, ...] */
static int
reasons_json(json_object *o, const struct qc_report *r)
{
	json_object	*a, *x, *y;
	int		 i, bad = 0;

	a = json_object_new_array();
	bad |= jsonv_add(o, "reasons", a);
	for (i = 0; a != NULL && i < r->nreasons; i++) {
		x = json_object_new_object();
		if (x == NULL || json_object_array_add(a, x) != 0) {
			json_object_put(x);
			return 1;
		}
		bad |= jsonv_add(x, "code", json_object_new_string(
		    qc_reason_code(r->reasons[i])));
		y = json_object_new_object();
		bad |= jsonv_add(x, "message", y);
		if (y != NULL) {
			bad |= jsonv_add(y, "en", json_object_new_string(
			    qc_reason_message(r->reasons[i], LANG_EN)));
			bad |= jsonv_add(y, "ru", json_object_new_string(
			    qc_reason_message(r->reasons[i], LANG_RU)));
		}
	}
	return bad;
}

/* "image": the file's format, size and how its decode went. */
static int
image_json(json_object *x, const struct qc_report *r)
{
	int	 bad = 0;

	bad |= jsonv_add(x, "format", json_object_new_string(r->format));
	bad |= jsonv_add(x, "bytes", json_object_new_int64((int64_t)r->bytes));
	bad |= jsonv_add(x, "width", json_object_new_int(r->width));
	bad |= jsonv_add(x, "height", json_object_new_int(r->height));
	bad |= jsonv_add(x, "orientation",
	    json_object_new_int(r->orientation));
	bad |= jsonv_add(x, "decoded", json_object_new_boolean(r->decoded));
	if (r->decode_error != NULL)
		bad |= jsonv_add(x, "error",
		    json_object_new_string(r->decode_error));
	if (r->decoded) {
		bad |= jsonv_add(x, "analysis_width",
		    json_object_new_int(r->analysis_w));
		bad |= jsonv_add(x, "analysis_height",
		    json_object_new_int(r->analysis_h));
	}
	return bad;
}

/* "scores": the statistics the verdict was made from. */
static int
scores_json(json_object *s, const struct qc_report *r)
{
	int	 bad = 0;

	bad |= jsonv_add(s, "stddev", jnum(r->stddev, 3));
	bad |= jsonv_add(s, "blur", jnum(r->blur_score, 2));
	bad |= jsonv_add(s, "laplacian_var", jnum(r->lap_var, 2));
	bad |= jsonv_add(s, "luma_mean", jnum(r->luma_mean, 2));
	bad |= jsonv_add(s, "luma_p5", jnum(r->luma_p5, 0));
	bad |= jsonv_add(s, "luma_p50", jnum(r->luma_p50, 0));
	bad |= jsonv_add(s, "luma_p95", jnum(r->luma_p95, 0));
	bad |= jsonv_add(s, "dark_share", jnum(r->dark_share, 4));
	bad |= jsonv_add(s, "bright_share", jnum(r->bright_share, 4));
	return bad;
}

/* "nsfw": whether the classifier ran, and its class scores. */
static int
nsfw_json(json_object *x, const struct qc_report *r)
{
	int	 k, bad = 0;

	bad |= jsonv_add(x, "checked", json_object_new_boolean(r->nsfw_done));
	for (k = 0; r->nsfw_done && k < NSFW_NCLASSES; k++)
		bad |= jsonv_add(x, nsfw_class_name(k), jnum(r->nsfw[k], 5));
	return bad;
}

/* "edges": how much of the item touches each side. */
static int
edges_json(json_object *y, const struct qc_report *r)
{
	int	 bad = 0;

	bad |= jsonv_add(y, "top", jnum(r->edge[0], 4));
	bad |= jsonv_add(y, "right", jnum(r->edge[1], 4));
	bad |= jsonv_add(y, "bottom", jnum(r->edge[2], 4));
	bad |= jsonv_add(y, "left", jnum(r->edge[3], 4));
	return bad;
}

/* "composition": an outfit's background, item and framing. */
static int
composition_json(json_object *x, const struct qc_report *r)
{
	json_object	*y;
	int		 k, bad = 0;

	bad |= jsonv_add(x, "background", jrgb(r->bg_rgb));
	bad |= jsonv_add(x, "background_uniform", jnum(r->bg_uniform, 4));
	bad |= jsonv_add(x, "fragmented", jnum(r->fragmented, 4));
	bad |= jsonv_add(x, "item_luma_p5", jnum(r->item_p5, 0));
	bad |= jsonv_add(x, "fill", jnum(r->fill, 4));
	y = json_object_new_array();
	bad |= jsonv_add(x, "bbox", y);
	for (k = 0; y != NULL && k < 4; k++)
		bad |= json_object_array_add(y, jnum(r->bbox[k], 4)) != 0;
	bad |= section(x, "edges", edges_json, r);
	return bad;
}

/* "tags" and "colours" of a scene. */
static int
tags_json(json_object *o, const struct qc_report *r)
{
	json_object	*a, *y;
	int		 k, bad = 0;

	a = json_object_new_array();
	bad |= jsonv_add(o, "tags", a);
	for (k = 0; a != NULL && k < r->ntags; k++)
		bad |= json_object_array_add(a,
		    json_object_new_string(r->tags[k])) != 0;
	a = json_object_new_array();
	bad |= jsonv_add(o, "colours", a);
	for (k = 0; a != NULL && k < r->ncolours; k++) {
		y = json_object_new_object();
		if (y == NULL || json_object_array_add(a, y) != 0) {
			json_object_put(y);
			return 1;
		}
		bad |= jsonv_add(y, "name", json_object_new_string(
		    r->colours[k].name));
		bad |= jsonv_add(y, "name_ru", json_object_new_string(
		    r->colours[k].name_ru));
		bad |= jsonv_add(y, "share", jnum(r->colours[k].share, 3));
		bad |= jsonv_add(y, "rgb", jrgb(r->colours[k].rgb));
	}
	return bad;
}

/* "cues": the numbers a scene's tags were chosen by. */
static int
cues_json(json_object *x, const struct qc_report *r)
{
	int	 bad = 0;

	bad |= jsonv_add(x, "brightness",
	    json_object_new_string(r->brightness));
	bad |= jsonv_add(x, "time_of_day",
	    json_object_new_string(r->time_of_day));
	bad |= jsonv_add(x, "colourfulness", jnum(r->colourfulness, 2));
	bad |= jsonv_add(x, "sky_share", jnum(r->sky_share, 4));
	bad |= jsonv_add(x, "green_share", jnum(r->green_share, 4));
	bad |= jsonv_add(x, "warmth", jnum(r->warmth, 2));
	bad |= jsonv_add(x, "edge_density", jnum(r->edge_density, 4));
	return bad;
}

/* "description": {"en", "ru"} */
static int
description_json(json_object *x, const struct qc_report *r)
{
	int	 bad = 0;

	bad |= jsonv_add(x, "en",
	    json_object_new_string(r->description[LANG_EN]));
	bad |= jsonv_add(x, "ru",
	    json_object_new_string(r->description[LANG_RU]));
	return bad;
}

/* "ms": the time each step took. */
static int
ms_json(json_object *x, const struct qc_report *r)
{
	int	 bad = 0;

	bad |= jsonv_add(x, "decode", jnum(r->ms_decode, 3));
	bad |= jsonv_add(x, "checks", jnum(r->ms_checks, 3));
	bad |= jsonv_add(x, "nsfw", jnum(r->ms_nsfw, 3));
	return bad;
}

json_object *
qc_report_to_json(const struct qc_report *r)
{
	json_object	*o;
	int		 bad = 0;

	if (r == NULL)
		return NULL;
	o = json_object_new_object();
	if (o == NULL)
		return NULL;
	bad |= jsonv_add(o, "kind",
	    json_object_new_string(qc_kind_name(r->kind)));
	bad |= jsonv_add(o, "verdict", json_object_new_string(r->accepted ?
	    "accept" : "reject"));
	bad |= reasons_json(o, r);
	bad |= section(o, "image", image_json, r);
	if (r->decoded) {
		bad |= section(o, "scores", scores_json, r);
		bad |= section(o, "nsfw", nsfw_json, r);
		if (r->person_done)
			bad |= section(o, "people", people_json, r);
		if (r->comp_done)
			bad |= section(o, "composition", composition_json, r);
		if (r->tags_done) {
			bad |= tags_json(o, r);
			bad |= section(o, "cues", cues_json, r);
			bad |= section(o, "description", description_json, r);
		}
		bad |= section(o, "ms", ms_json, r);
	}
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
