/*
 * PROMPTING: provider parameters from the outfit's category and
 * description and the location's tags.
 */
#include <stdio.h>
#include <string.h>

#include "worker.h"

int
stage_prompting(struct job_ctx *c)
{
	int	 n;

	if (c->job.kind == JOB_KIND_TRYON)
		n = snprintf(c->prompt, sizeof(c->prompt),
		    "Dress the person in the %s garment \"%s\"%s%s.%s%s",
		    c->category[0] ? c->category : "tops", c->outfit_title,
		    c->outfit_desc[0] ? ": " : "", c->outfit_desc,
		    c->location_tags[0] ? " Setting: " : "",
		    c->location_tags);
	else
		n = snprintf(c->prompt, sizeof(c->prompt),
		    "Gentle camera move over a fashion photo; the person "
		    "stays still and natural.");
	if (n < 0) {
		job_error_set_final(&c->err, JOB_ERR_INTERNAL, "prompting failed");
		return -1;
	}
	/* A description longer than the buffer is cut, not rejected. */
	return 0;
}
