/*
 * PROMPTING: provider parameters from the outfit's category and
 * description and the location's tags.
 */
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "worker.h"

/* Staff text in the prompt: cleaned and short (util_prompt_text()). */
#define PROMPT_TITLE_CHARS	80
#define PROMPT_DESC_CHARS	240

int
stage_prompting(struct job_ctx *c)
{
	char	 title[PROMPT_TITLE_CHARS * 3 + 1];
	char	 desc[PROMPT_DESC_CHARS * 3 + 1];
	int	 n;

	/* The shop's words are data, not instructions to the model. */
	util_prompt_text(title, sizeof(title), c->outfit_title,
	    PROMPT_TITLE_CHARS);
	util_prompt_text(desc, sizeof(desc), c->outfit_desc,
	    PROMPT_DESC_CHARS);
	if (c->job.kind == JOB_KIND_TRYON)
		n = snprintf(c->prompt, sizeof(c->prompt),
		    "Dress the person in the %s garment \"%s\"%s%s.%s%s",
		    c->category[0] ? c->category : "tops", title,
		    desc[0] ? ": " : "", desc,
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
