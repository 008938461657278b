/*
 * libFuzzer target for the only code that reads a hosted vendor's
 * answers (lib/providers/vendors.h): FASHN's submit and status answers,
 * fal's submit, status and result answers, Replicate's prediction, each
 * with any HTTP status, any body and any x-fashn-credits-used value.
 *
 * Input: byte 0 picks the reader (and, for fal's result, image or
 * video), bytes 1-2 the HTTP status (big-endian, mod 600), byte 3 the
 * length of a credits header value that follows, the rest is the body.
 *
 * Checked: a reader says one of its documented outcomes; an id it
 * accepts is a plain token shorter than the buffer; an output URL it
 * hands back is http(s) and nothing else; an error it sets has a code
 * and never quotes the answer's URLs ("://" never appears in a detail,
 * whatever the body held); credits reported are finite and positive.
 * ASan/UBSan see every byte touched.
 *
 * fuzz-sources: lib/providers/remote.c lib/conftab.c lib/providers/fashn.c lib/providers/fal.c lib/providers/replicate.c lib/providers/provider.c lib/jobs.c lib/config.c lib/log.c lib/jsonv.c lib/buf.c lib/util.c
 * fuzz-pkgs: libcurl json-c libpq
 * fuzz-corpus: fuzz/corpus/provider
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/provider.h"
#include "providers/remote.h"
#include "providers/vendors.h"

#define FUZZ_FAIL()	fuzz_fail(__LINE__)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* lib/providers/provider.c names the local provider; this target has no use for it. */
struct provider *
provider_local_new(struct app *a)
{
	(void)a;
	return NULL;
}

static void __attribute__((noreturn))
fuzz_fail(int line)
{
	fprintf(stderr, "fuzz_provider.c:%d: invariant broken\n", line);
	abort();
}

static void
on_credits(void *arg, const char *provider, const char *ref, double n)
{
	(void)arg;
	(void)provider;
	(void)ref;
	if (!isfinite(n) || n <= 0)
		FUZZ_FAIL();
}

/* The error a reader left: a code, a terminated detail without URLs. */
static void
check_error(const struct job_error *e)
{
	if (!e->set || (unsigned)e->code >= JOB_ERR__MAX ||
	    memchr(e->detail, '\0', sizeof(e->detail)) == NULL ||
	    strstr(e->detail, "://") != NULL)
		FUZZ_FAIL();
}

static void
check_url(const char *url)
{
	if (url == NULL || !remote_is_http_url(url))
		FUZZ_FAIL();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct provider_hooks	 h;
	struct job_error	 err;
	struct remote_call	 c;
	struct remote_resp	 resp;
	enum remote_state	 st;
	char			 id[REMOTE_MAX_ID + 1], *url = NULL;
	size_t			 clen;
	int			 rc;

	if (size < 4)
		return 0;
	memset(&h, 0, sizeof(h));
	h.credits = on_credits;
	h.last_error = (data[0] & 0x80) ? "provider_rejected" : "";
	memset(&c, 0, sizeof(c));
	memset(&err, 0, sizeof(err));
	c.vendor = "fuzz";
	c.what = "tryon";
	c.hooks = &h;
	c.err = &err;
	memset(&resp, 0, sizeof(resp));
	resp.status = ((long)data[1] << 8 | data[2]) % 600;
	resp.retry_after_ms = -1;
	clen = data[3] < sizeof(resp.credits) ? data[3] : 0;
	if (4 + clen > size)
		return 0;
	/* The header parser only ever stores digits and dots. */
	for (size_t i = 0; i < clen; i++)
		resp.credits[i] = (char)('0' + data[4 + i] % 10);
	resp.len = size - 4 - clen;
	resp.body = malloc(resp.len + 1);
	if (resp.body == NULL)
		return 0;
	memcpy(resp.body, data + 4 + clen, resp.len);
	resp.body[resp.len] = '\0';

	switch (data[0] & 0x07) {
	case 0:
	case 2:
	case 5:
		rc = data[0] % 8 == 0 ? fashn_read_submit(&c, &resp, id,
		    sizeof(id)) : (data[0] % 8 == 2) ? fal_read_submit(&c,
		    &resp, id, sizeof(id)) : replicate_read_submit(&c, &resp,
		    id, sizeof(id));
		if (rc == 0 && (!remote_is_token(id, REMOTE_MAX_ID) ||
		    strlen(id) >= sizeof(id)))
			FUZZ_FAIL();
		if (rc == -1)
			check_error(&err);
		if (rc != 0 && rc != -1)
			FUZZ_FAIL();
		break;
	case 3:
		st = fal_read_status(&c, &resp);
		if (st == REMOTE_ERROR)
			check_error(&err);
		if (st == REMOTE_FAILED)
			FUZZ_FAIL();
		break;
	default:
		st = (data[0] & 0x07) == 1 ? fashn_read_status(&c, &resp,
		    "fuzz-id", &url) : (data[0] & 0x07) == 6 ?
		    replicate_read_status(&c, &resp, "fuzz-id", &url) :
		    fal_read_result(&c, &resp, (data[0] & 0x08) != 0,
		    "fuzz-id", &url);
		if (st == REMOTE_DONE)
			check_url(url);
		else if (url != NULL)
			FUZZ_FAIL();
		if (st == REMOTE_ERROR || st == REMOTE_FAILED)
			check_error(&err);
		break;
	}
	free(url);
	free(resp.body);
	return 0;
}
